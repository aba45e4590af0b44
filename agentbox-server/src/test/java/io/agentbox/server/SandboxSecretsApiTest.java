package io.agentbox.server;

import io.agentbox.sandbox.TestInternet;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code secrets} option of raw sandboxes: injected at the egress, only {@code AGENTBOX_SECRET_*} variables. */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Db.class, names = "SQLITE")
class SandboxSecretsApiTest extends ServerTestBase {
    @RegisterExtension static final TestInternet internet = new TestInternet();
    /** Set for this module's tests in its pom, as an operator sets it for the server. */
    private static final String VALUE = System.getenv("AGENTBOX_SECRET_TEST_KEY");

    @Test
    void aSecretNamedByTheApiReachesItsHostAndOnlyThePlaceholderEntersTheSandbox() {
        assertThat(VALUE).as("AGENTBOX_SECRET_TEST_KEY (set in the pom)").isNotBlank();
        TestServer.Tenant t = server.tenant("secrets");
        Http m = t.member();
        var r = m.post("/v1/sandboxes", Map.of("workspaceId", t.workspaceId(), "timeout", "2m",
                "network", Map.of("mode", "allow", "allow", List.of("secret.test", "www.test")),
                "secrets", List.of("secret.test:X-Api-Key=AGENTBOX_SECRET_TEST_KEY")));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        String id = r.json().get("id").asText();
        try {
            assertThat(r.toString()).doesNotContain(VALUE);
            assertThat(exec(m, id, "curl -sS --max-time 10 https://secret.test/headers")).contains("X-Api-Key: " + VALUE);
            assertThat(exec(m, id, "curl -sS --max-time 10 http://www.test/headers")).contains("Host: www.test").doesNotContain(VALUE);
            assertThat(exec(m, id, "echo \"$AGENTBOX_SECRET_TEST_KEY\"; cat /proc/*/environ")).contains("agentbox-secret-placeholder").doesNotContain(VALUE);
            assertThat(m.get("/v1/sandboxes/" + id).toString()).doesNotContain(VALUE);
        } finally {
            m.delete("/v1/sandboxes/" + id);
        }
    }

    @Test
    void onlyVariablesSetAsideForTheApiMayBeNamed() {
        TestServer.Tenant t = server.tenant("secrets-refused");
        Http m = t.member();
        for (Object secret : List.of("api.test:x-api-key=ANTHROPIC_API_KEY", Map.of("host", "api.test", "header", "x-api-key", "env", "HOME"))) {
            var r = m.post("/v1/sandboxes", Map.of("workspaceId", t.workspaceId(), "network", "open", "secrets", List.of(secret)));
            assertThat(r.status()).as(r.toString()).isEqualTo(400);
            assertThat(r.errorMessage()).contains("'secrets'").contains("AGENTBOX_SECRET_");
        }
        var noNetwork = m.post("/v1/sandboxes", Map.of("workspaceId", t.workspaceId(), "secrets", List.of("api.test:x-api-key=AGENTBOX_SECRET_TEST_KEY")));
        assertThat(noNetwork.status()).as(noNetwork.toString()).isEqualTo(400);
        assertThat(m.get("/v1/sandboxes?workspaceId=" + t.workspaceId()).json().get("data")).isEmpty();
    }

    private static String exec(Http m, String id, String script) {
        var r = m.post("/v1/sandboxes/" + id + "/exec", Map.of("shell", script + " 2>&1", "stream", false));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().get("stdout").asText();
    }
}
