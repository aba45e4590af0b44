package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The network routes over HTTP: a sandbox created with a policy, a refusal in its audit, a live change
 * of its policy, and who may do which. The refused connection goes to a TEST-NET address literal, which
 * the egress refuses in {@code allow} mode without connecting anywhere.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class SandboxNetworkApiTest extends ServerTestBase {

    @Test
    void policyAuditAndLiveChangeOverHttp() {
        TestServer.Tenant t = server.tenant("network-routes");
        Http m = t.member();
        var created = m.post("/v1/sandboxes", Map.of("workspaceId", t.workspaceId(),
                "network", Map.of("mode", "allow", "allow", List.of("docs.example.test"), "deny", List.of("x.example.test"))));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String id = created.json().get("id").asText();
        String sbx = "/v1/sandboxes/" + id;
        try {
            var refused = m.post(sbx + "/exec", Map.of("command", List.of("bash", "-c",
                    "curl -sf --max-time 10 http://198.51.100.9:8080/ >/dev/null && echo connected || echo refused"), "stream", false, "timeout", "20s"));
            assertThat(refused.status()).as(refused.toString()).isEqualTo(200);
            assertThat(refused.json().get("stdout").asText()).as("an IP literal is refused in allow mode").isEqualTo("refused\n");
            JsonNode entry = Poll.until(Duration.ofSeconds(10), () -> denied(m.get(sbx + "/audit"), "198.51.100.9"),
                    e -> e != null, "the refusal in the sandbox's audit");
            assertThat(entry.get("kind").asText()).isEqualTo("network");
            assertThat(entry.get("port").asInt()).isEqualTo(8080);
            assertThat(entry.get("protocol").asText()).isEqualTo("http");
            assertThat(entry.get("reason").asText()).isNotBlank();
            assertThat(entry.get("ts").asText()).isNotBlank();

            assertThat(t.viewer().get(sbx + "/audit").status()).as("viewers do not read audits").isEqualTo(403);
            assertThat(server.tenant("network-other").member().get(sbx + "/audit").status()).as("other tenants do not see it").isEqualTo(404);
            assertThat(t.viewer().method("PUT", sbx + "/network", Map.of("mode", "open")).status()).isEqualTo(403);
            assertThat(server.tenant("network-other2").admin().method("PUT", sbx + "/network", Map.of("mode", "open")).status()).isEqualTo(404);
            var bad = m.method("PUT", sbx + "/network", Map.of("mode", "wide"));
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.errorMessage()).contains("network").contains("allow");
            assertThat(m.method("PUT", "/v1/sandboxes/sbx_doesnotexist0/network", Map.of("mode", "none")).status()).isEqualTo(404);

            var changed = m.method("PUT", sbx + "/network", Map.of("mode", "allow", "allow", List.of("*.example.org")));
            assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
            assertThat(changed.json().at("/network/mode").asText()).isEqualTo("allow");
            assertThat(changed.json().at("/network/allow/0").asText()).isEqualTo("*.example.org");
            var none = t.admin().method("PUT", sbx + "/network", Map.of("mode", "none"));
            assertThat(none.status()).as("an admin of the workspace may change it too").isEqualTo(200);
            assertThat(none.json().at("/network/mode").asText()).isEqualTo("none");
        } finally {
            assertThat(m.delete(sbx).status()).isEqualTo(204);
        }
        assertThat(m.get(sbx + "/audit").status()).as("a killed sandbox has no audit to read").isEqualTo(404);
    }

    private static JsonNode denied(Http.Res audit, String ip) {
        if (audit.status() != 200) return null;
        return StreamSupport.stream(audit.json().get("data").spliterator(), false)
                .filter(e -> e.get("decision").asText().equals("denied")
                        && (e.path("ip").asText().equals(ip) || e.path("host").asText().equals(ip)))
                .findFirst().orElse(null);
    }
}
