package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class OperationsTest extends ServerTestBase {

    @Test
    void healthAndReadinessNeedNoKey() {
        var h = server.anonymous().get("/healthz");
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.json().get("status").asText()).isEqualTo("ok");
        var r = server.anonymous().get("/readyz");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ready");
    }

    @Test
    void metricsExposeRunsSandboxesTokensCostAndHttpLatency() {
        String id = server.owner().post("/v1/runs", Map.of("prompt", "cost 0.5; succeed")).json().get("id").asText();
        Poll.until(Duration.ofSeconds(10), () -> server.owner().get("/v1/runs/" + id).json().get("status").asText(), "succeeded"::equals, "run end");
        var m = server.anonymous().get("/metrics");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.header("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(m.body())
                .contains("agentbox_runs{state=\"succeeded\"}")
                .contains("agentbox_runs{state=\"queued\"}")
                .contains("agentbox_sandboxes_alive")
                .contains("agentbox_runs_finished_total{status=\"succeeded\"}")
                .contains("agentbox_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/runs\",status=\"202\"");
    }

    @Test
    void openApiDocumentsExactlyTheRegisteredRoutes() {
        var r = server.anonymous().get("/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        JsonNode doc = r.json();
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        Set<String> documented = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            var path = paths.next();
            path.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase(Locale.ROOT) + " " + path.getKey()));
        }
        assertThat(documented).containsExactlyInAnyOrderElementsOf(server.server().registeredRoutes());
        assertThat(documented).contains("POST /v1/runs", "GET /v1/runs/{id}/events", "POST /v1/runs/{id}/cancel",
                "POST /v1/workspaces", "POST /v1/workspaces/{id}/keys", "POST /v1/sandboxes", "GET /healthz", "GET /metrics");
        var createRun = doc.at("/paths/~1v1~1runs/post/requestBody/content/application~1json/schema");
        assertThat(createRun.get("required").toString()).contains("prompt");
        assertThat(createRun.get("properties").has("options")).isTrue();
        doc.at("/components/schemas").fieldNames().forEachRemaining(name -> assertThat(name).isNotBlank());
        // every $ref points at a defined schema
        String text = r.body();
        var refs = java.util.regex.Pattern.compile("#/components/schemas/([A-Za-z]+)").matcher(text);
        while (refs.find()) assertThat(doc.at("/components/schemas/" + refs.group(1)).isMissingNode()).as(refs.group(1)).isFalse();
    }

    @Test
    void everyDocumentedRouteAnswersWithTheErrorFormatNotAServerError() {
        JsonNode doc = server.anonymous().get("/openapi.json").json();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            var path = paths.next();
            String concrete = path.getKey().replaceAll("\\{[^}]+}", "nonexistent");
            for (Iterator<String> methods = path.getValue().fieldNames(); methods.hasNext(); ) {
                String method = methods.next().toUpperCase(Locale.ROOT);
                for (var client : java.util.List.of(server.anonymous(), server.owner())) {
                    var res = client.method(method, concrete, "{\"garbage\": [1, {\"x\": null}]}");
                    assertThat(res.status()).as(method + " " + concrete + " -> " + res).isLessThan(500);
                    if (res.status() >= 400) assertThat(res.errorCode()).as(method + " " + concrete).isNotBlank();
                }
            }
        }
    }

    @Test
    void unknownRoutesAndMethodsUseTheErrorFormat() {
        var r = server.owner().get("/v1/nothing-here");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("not_found");
        var m = server.owner().method("PUT", "/v1/runs", "{}");
        assertThat(m.status()).isEqualTo(405);
        assertThat(m.errorCode()).isEqualTo("method_not_allowed");
        assertThat(r.header("X-Request-Id")).isPresent();
    }

    @Test
    void requestIdsAreEchoedOrGenerated() {
        var given = server.owner().send(server.owner().request("/v1/me").header("X-Request-Id", "abc-123").GET().build());
        assertThat(given.header("X-Request-Id")).contains("abc-123");
        var generated = server.owner().get("/v1/me");
        assertThat(generated.header("X-Request-Id").orElseThrow()).startsWith("req_");
        var unsafe = server.owner().send(server.owner().request("/v1/me").header("X-Request-Id", "has spaces and \"quotes\"").GET().build());
        assertThat(unsafe.header("X-Request-Id").orElseThrow()).startsWith("req_");
    }
}
