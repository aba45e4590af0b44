package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.TestServer;
import io.agentbox.server.support.WebSockets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every documented route, called by another workspace's admin with workspace A's identifiers, answers
 * 404; lists never show A's resources; viewers never write.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class CrossTenantTest extends ServerTestBase {

    @Test
    void anotherWorkspacesResourcesAreNotFoundOnEveryRoute() {
        TestServer.Tenant a = server.tenant("victim");
        TestServer.Tenant b = server.tenant("intruder");
        String run = a.member().post("/v1/runs", Map.of("prompt", "write /workspace/victim.txt emit 2; succeed", "workspaceId", a.workspaceId()))
                .json().get("id").asText();
        Poll.until(Duration.ofSeconds(30), () -> a.member().get("/v1/runs/" + run).json().get("status").asText(), "succeeded"::equals, "run end");
        String artifact = a.member().get("/v1/runs/" + run + "/artifacts").json().at("/data/0/id").asText();
        assertThat(artifact).startsWith("art_");
        String session = a.member().post("/v1/sessions", Map.of("workspaceId", a.workspaceId())).json().get("id").asText();
        String principal = a.member().get("/v1/me").json().get("principalId").asText();
        String keyId = a.owner().get("/v1/workspaces/" + a.workspaceId() + "/keys").json().at("/data/0/id").asText();
        Map<String, String> ids = Map.of("id", "", "aid", artifact, "principalId", principal, "keyId", keyId, "toolUseId", "toolu_unknown");

        JsonNode paths = server.anonymous().get("/openapi.json").json().get("paths");
        int checked = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            var entry = it.next();
            String template = entry.getKey();
            // tenants own what is under /v1; the console's static assets are public
            if (!template.startsWith("/v1/") || !template.contains("{")) continue;
            String idValue = template.startsWith("/v1/runs") ? run : template.startsWith("/v1/workspaces") ? a.workspaceId()
                    : template.startsWith("/v1/sessions") ? session : "sbx_unknown";
            String path = template.replace("{id}", idValue);
            for (var p : ids.entrySet()) path = path.replace("{" + p.getKey() + "}", p.getValue());
            for (Iterator<String> methods = entry.getValue().fieldNames(); methods.hasNext(); ) {
                String method = methods.next().toUpperCase(Locale.ROOT);
                String body = switch (template) {
                    case "/v1/workspaces/{id}/keys", "/v1/workspaces/{id}/members" -> "{\"name\":\"x\",\"role\":\"viewer\",\"principalId\":\"" + principal + "\"}";
                    case "/v1/workspaces/{id}/members/{principalId}" -> "{\"role\":\"viewer\"}";
                    case "/v1/runs/{id}/artifacts/{aid}/review" -> "{\"state\":\"approved\"}";
                    case "/v1/sandboxes/{id}/exec" -> "{\"command\":[\"true\"]}";
                    case "/v1/sessions/{id}/messages" -> "{\"prompt\":\"emit 2\"}";
                    case "/v1/runs/{id}/permissions/{toolUseId}" -> "{\"decision\":\"allow\"}";
                    default -> "{}";
                };
                var res = b.admin().method(method, path, body);
                assertThat(res.status()).as(method + " " + path + " -> " + res).isEqualTo(404);
                assertThat(res.errorCode()).isEqualTo("not_found");
                assertThat(res.body()).doesNotContain(a.workspaceId().equals(idValue) ? "victim" : "emit 2");
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(25);
        for (String ws : List.of("/v1/runs/" + run + "/ws", "/v1/sessions/" + session + "/ws")) {
            assertThat(WebSockets.refusal(b.admin(), ws)).as("WebSocket upgrade of " + ws).isEqualTo(404);
        }
        assertThat(a.member().get("/v1/sessions/" + session).json().get("turns").asInt()).as("no message reached it").isZero();
        assertThat(a.member().get("/v1/runs?sessionId=" + session).json().get("data")).isEmpty();
        assertThat(b.admin().get("/v1/sessions").json().get("data").findValuesAsText("id")).doesNotContain(session);
        assertThat(b.admin().get("/v1/sessions?workspaceId=" + a.workspaceId()).status()).isEqualTo(404);
        assertThat(b.admin().post("/v1/runs", Map.of("prompt", "x", "sessionId", session)).status()).isEqualTo(404);
        assertThat(b.admin().post("/v1/sessions", Map.of("workspaceId", a.workspaceId())).status()).isEqualTo(404);
        assertThat(a.member().get("/v1/runs/" + run).json().get("status").asText()).as("untouched").isEqualTo("succeeded");
        assertThat(a.owner().get("/v1/workspaces/" + a.workspaceId() + "/members").json().get("data")).hasSize(4);

        assertThat(b.admin().get("/v1/runs").json().get("data").findValuesAsText("id")).doesNotContain(run);
        assertThat(b.admin().get("/v1/runs?workspaceId=" + a.workspaceId()).status()).isEqualTo(404);
        assertThat(b.admin().get("/v1/workspaces").json().get("data").findValuesAsText("id")).doesNotContain(a.workspaceId());
        assertThat(b.admin().post("/v1/runs", Map.of("prompt", "x", "workspaceId", a.workspaceId())).status()).isEqualTo(404);
        assertThat(b.admin().post("/v1/sandboxes", Map.of("workspaceId", a.workspaceId())).status()).isEqualTo(404);
        assertThat(b.admin().get("/v1/sandboxes?workspaceId=" + a.workspaceId()).status()).isEqualTo(404);
    }

    @Test
    void viewersReadButNeverWrite() {
        TestServer.Tenant t = server.tenant("viewer-matrix");
        Http v = t.viewer();
        String ws = t.workspaceId();
        String run = t.member().post("/v1/runs", Map.of("prompt", "hold never", "workspaceId", ws)).json().get("id").asText();
        assertThat(v.get("/v1/runs/" + run).status()).isEqualTo(200);
        assertThat(v.get("/v1/runs?workspaceId=" + ws).status()).isEqualTo(200);
        assertThat(v.get("/v1/workspaces/" + ws).status()).isEqualTo(200);
        assertThat(v.post("/v1/runs", Map.of("prompt", "x", "workspaceId", ws)).status()).isEqualTo(403);
        assertThat(v.post("/v1/runs/" + run + "/cancel", Map.of()).status()).isEqualTo(403);
        assertThat(v.post("/v1/sandboxes", Map.of("workspaceId", ws)).status()).isEqualTo(403);
        assertThat(v.patch("/v1/workspaces/" + ws, Map.of("name", "x")).status()).isEqualTo(403);
        assertThat(v.post("/v1/workspaces/" + ws + "/keys", Map.of("name", "x", "role", "viewer")).status()).isEqualTo(403);
        assertThat(v.post("/v1/workspaces/" + ws + "/members", Map.of("principalId", "prn_x", "role", "viewer")).status()).isEqualTo(403);
        assertThat(t.member().post("/v1/runs/" + run + "/cancel", Map.of()).json().get("status").asText()).isEqualTo("canceled");
    }
}
