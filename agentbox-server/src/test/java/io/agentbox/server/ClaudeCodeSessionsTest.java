package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A server session with {@code "runtime": "claude-code"}: the real Claude Code (test-deps), resumed turn after turn in the kept sandbox. */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Db.class, names = "SQLITE")
class ClaudeCodeSessionsTest extends ServerTestBase {

    /** The install `agentbox runtime install claude-code` would leave in the server's data dir, from test-deps. */
    private void install() throws IOException {
        Path nodeModules = Path.of(System.getProperty("agentbox.repo", "..")).toAbsolutePath().normalize().resolve("test-deps/claude-code/node_modules");
        assertThat(nodeModules).as("run ./setup.sh --deps-only").isDirectory();
        Path root = dir.resolve("data/runtimes/claude-code");
        Files.createDirectories(root.resolve("2.1.332"));
        if (!Files.exists(root.resolve("2.1.332/node_modules"))) Files.createSymbolicLink(root.resolve("2.1.332/node_modules"), nodeModules);
        Files.writeString(root.resolve("current"), "2.1.332\n");
    }

    private static JsonNode awaitEnd(io.agentbox.server.support.Http http, String runId) {
        return Poll.until(Duration.ofSeconds(60), () -> http.get("/v1/runs/" + runId).json(),
                r -> List.of("succeeded", "failed", "canceled").contains(r.get("status").asText()), "run " + runId + " ends");
    }

    @Test
    void aSessionKeepsItsSandboxAndClaudeCodesOwnSession() throws IOException {
        install();
        var t = server.tenant("cc");
        var created = t.member().post("/v1/sessions", Map.of("workspaceId", t.workspaceId(), "options", Map.of("runtime", "claude-code")));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String session = created.json().get("id").asText();

        model.fake().enqueue(Reply.toolUse("Bash", Map.of("command", "echo the-tide > notes.txt")), Reply.text("Saved."));
        var m1 = t.member().post("/v1/sessions/" + session + "/messages", Map.of("prompt", "remember the tide"));
        JsonNode r1 = awaitEnd(t.member(), m1.json().get("id").asText());
        assertThat(r1.get("status").asText()).as(r1.toString()).isEqualTo("succeeded");
        assertThat(r1.get("result").asText()).isEqualTo("Saved.");

        model.fake().enqueue(Reply.toolUse("Bash", Map.of("command", "cat notes.txt")), Reply.text("It says the-tide."));
        var m2 = t.member().post("/v1/sessions/" + session + "/messages", Map.of("prompt", "what did you save?"));
        JsonNode r2 = awaitEnd(t.member(), m2.json().get("id").asText());
        assertThat(r2.get("status").asText()).as(r2.toString()).isEqualTo("succeeded");
        assertThat(r2.get("sandboxId").asText()).as("the same sandbox").isEqualTo(r1.get("sandboxId").asText());
        var requests = model.fake().messageRequests();
        assertThat(requests.get(requests.size() - 2).body().get("messages").toString()).as("Claude Code resumed its transcript")
                .contains("remember the tide").contains("Saved.").contains("what did you save?");
        assertThat(requests.getLast().lastToolResult().orElseThrow().content()).contains("the-tide");
        assertThat(requests).allSatisfy(q -> assertThat(q.hasApiKey(io.agentbox.server.support.ScriptedModel.API_KEY)).isTrue());
    }
}
