package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class LoggingTest extends ServerTestBase {
    private static final String MODEL_KEY = "sk-ant-api03-loggingtestsecret0123456789";

    @Override
    protected ServerConfig.Builder configure(ServerConfig.Builder b) {
        return b.anthropicApiKey(MODEL_KEY);
    }

    private List<String> lines() {
        try {
            return Files.readAllLines(server.logFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void logsAreJsonLinesWithRequestIdsAndNeverContainKeys() {
        var created = server.owner().post("/v1/workspaces/" + server.defaultWorkspace() + "/keys", Map.of("name", "log", "role", "member"));
        String key = created.json().get("key").asText();
        Http client = server.owner().as(key);
        client.send(client.request("/v1/me").header("X-Request-Id", "trace-me-42").GET().build());
        client.post("/v1/runs", Map.of("prompt", "succeed; the key is " + key + " and " + server.ownerKey()));
        server.anonymous().send(server.anonymous().request("/v1/me").header("Authorization", "Bearer " + key + "x").GET().build());

        List<String> lines = Poll.until(Duration.ofSeconds(5), this::lines,
                l -> l.stream().anyMatch(s -> s.contains("trace-me-42")), "the access log line");
        for (String line : lines) {
            JsonNode json = parse(line);
            assertThat(json.has("ts") && json.has("level") && json.has("logger") && json.has("msg")).as(line).isTrue();
        }
        String all = String.join("\n", lines);
        assertThat(all).doesNotContain(key).doesNotContain(server.ownerKey()).doesNotContain(MODEL_KEY)
                .doesNotContain(key.substring(key.length() - 43)); // the secret: 43 base64url characters, '_' among them
        JsonNode access = lines.stream().filter(l -> l.contains("trace-me-42")).map(LoggingTest::parse).findFirst().orElseThrow();
        assertThat(access.get("requestId").asText()).isEqualTo("trace-me-42");
        assertThat(access.get("status").asInt()).isEqualTo(200);
        assertThat(access.get("route").asText()).isEqualTo("/v1/me");
        assertThat(access.get("durationMs").isNumber()).isTrue();
    }

    @Test
    void theModelKeyReachesTheModelAndNothingElse() throws IOException {
        String id = server.owner().post("/v1/runs", Map.of("prompt", "bash env; bash cat /proc/self/environ; say done")).json().get("id").asText();
        JsonNode run = Poll.until(Duration.ofSeconds(30), () -> server.owner().get("/v1/runs/" + id).json(),
                r -> r.get("status").asText().equals("succeeded"), "run end");
        assertThat(model.fake().lastRequest().hasApiKey(MODEL_KEY)).as("the model got the key").isTrue();
        String events = server.owner().get("/v1/runs/" + id + "/events?follow=false").body();
        assertThat(events).contains("PATH=").doesNotContain(MODEL_KEY).doesNotContain("ANTHROPIC");
        assertThat(run.toString()).doesNotContain(MODEL_KEY);
        assertThat(String.join("\n", lines())).doesNotContain(MODEL_KEY);
        try (var files = Files.walk(dir)) {
            for (var f : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString())
                        .doesNotContain(MODEL_KEY);
            }
        }
    }

    private static JsonNode parse(String line) {
        try {
            return Http.JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
