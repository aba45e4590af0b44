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
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tenant asking for a machine's worth of resources, or for any number of sandboxes, or filling the
 * database with artifacts: each is refused with the server limit named.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class SandboxLimitsTest extends ServerTestBase {

    @Override
    protected ServerConfig.Builder configure(ServerConfig.Builder b) {
        return b.limits(ResourceLimits.DEFAULT.withWorkspaceMaxSandboxes(2).withWorkspaceMaxMemoryMb(1536).withWorkspaceMaxArtifactBytes(100));
    }

    private static Map<String, Object> sandbox(String ws, Object... fields) {
        Map<String, Object> body = new HashMap<>(Map.of("workspaceId", ws));
        for (int i = 0; i < fields.length; i += 2) body.put((String) fields[i], fields[i + 1]);
        return body;
    }

    private static void assertRefused(Http.Res r, int status, String limit) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.json().at("/error/limit").asText()).isEqualTo(limit);
        assertThat(r.errorMessage()).contains(limit);
    }

    @Test
    void perSandboxMaximumsAreRefusedNamingTheLimit() {
        TestServer.Tenant t = server.tenant("greedy");
        String ws = t.workspaceId();
        assertRefused(t.member().post("/v1/sandboxes", sandbox(ws, "memoryMb", 1_048_576)), 400, "sandbox-max-memory");
        assertRefused(t.member().post("/v1/sandboxes", sandbox(ws, "pids", 1_048_576)), 400, "sandbox-max-pids");
        assertRefused(t.member().post("/v1/sandboxes", sandbox(ws, "cpus", 64)), 400, "sandbox-max-cpus");
        assertRefused(t.member().post("/v1/sandboxes", sandbox(ws, "cpus", 1e9)), 400, "sandbox-max-cpus");
        assertRefused(t.member().post("/v1/sandboxes", sandbox(ws, "diskMb", 1 << 20)), 400, "sandbox-max-disk");
        assertRefused(t.member().post("/v1/sandboxes", sandbox(ws, "timeout", "48h")), 400, "sandbox-max-timeout");
        assertThat(t.member().get("/v1/sandboxes?workspaceId=" + ws).json().get("data")).as("none was created").isEmpty();

        var ok = t.member().post("/v1/sandboxes", sandbox(ws, "memoryMb", 1024, "cpus", 4, "pids", 4096, "diskMb", 10240, "timeout", "24h"));
        assertThat(ok.status()).as("at the maximums: " + ok).isEqualTo(201);
        String sbx = "/v1/sandboxes/" + ok.json().get("id").asText();
        assertRefused(t.member().post(sbx + "/exec", Map.of("command", java.util.List.of("true"), "timeout", "25h")), 400, "sandbox-max-timeout");
        assertThat(t.member().delete(sbx).status()).isEqualTo(204);
    }

    @Test
    void aWorkspaceHoldsAtMostItsQuotaOfLiveSandboxesAndMemory() {
        TestServer.Tenant t = server.tenant("hoarder");
        String ws = t.workspaceId();
        var first = t.member().post("/v1/sandboxes", sandbox(ws, "memoryMb", 1024));
        assertThat(first.status()).isEqualTo(201);
        assertRefused(t.member().post("/v1/sandboxes", sandbox(ws, "memoryMb", 1024)), 429, "workspace-max-memory");
        var second = t.member().post("/v1/sandboxes", sandbox(ws, "memoryMb", 256));
        assertThat(second.status()).as("what fits in the memory quota").isEqualTo(201);
        var third = t.member().post("/v1/sandboxes", sandbox(ws, "memoryMb", 64));
        assertRefused(third, 429, "workspace-max-sandboxes");
        assertThat(third.errorCode()).isEqualTo("quota_exceeded");
        assertRefused(t.member().post("/v1/runs", Map.of("prompt", "say hi", "workspaceId", ws)), 429, "workspace-max-sandboxes");
        assertThat(t.member().get("/v1/sandboxes?workspaceId=" + ws).json().get("data")).hasSize(2);

        TestServer.Tenant other = server.tenant("neighbour");
        var elsewhere = other.member().post("/v1/sandboxes", sandbox(other.workspaceId()));
        assertThat(elsewhere.status()).as("quotas are per workspace").isEqualTo(201);
        assertThat(other.member().delete("/v1/sandboxes/" + elsewhere.json().get("id").asText()).status()).isEqualTo(204);

        assertThat(t.member().delete("/v1/sandboxes/" + first.json().get("id").asText()).status()).isEqualTo(204);
        var again = t.member().post("/v1/sandboxes", sandbox(ws, "memoryMb", 1024));
        assertThat(again.status()).as("room again once one is killed").isEqualTo(201);
        for (var s : t.member().get("/v1/sandboxes?workspaceId=" + ws).json().get("data")) {
            assertThat(t.member().delete("/v1/sandboxes/" + s.get("id").asText()).status()).isEqualTo(204);
        }
    }

    private static JsonNode awaitEnd(Http http, String runId) {
        return Poll.until(Duration.ofSeconds(60), () -> http.get("/v1/runs/" + runId).json(),
                r -> r.get("status").asText().matches("succeeded|failed|canceled"), "run " + runId + " to end");
    }

    @Test
    void artifactsStopAtTheWorkspacesStorageQuota() {
        TestServer.Tenant t = server.tenant("artifact-hoarder");
        String ws = t.workspaceId();
        String big = t.member().post("/v1/runs", Map.of("prompt", "write /workspace/big.txt " + "x".repeat(150) + "; succeed",
                "workspaceId", ws)).json().get("id").asText();
        assertThat(awaitEnd(t.member(), big).get("status").asText()).isEqualTo("succeeded");
        JsonNode listing = t.member().get("/v1/runs/" + big + "/artifacts").json();
        assertThat(listing.get("data")).isEmpty();
        assertThat(listing.at("/skipped/0/reason").asText()).contains("workspace-max-artifact-storage");

        String exact = t.member().post("/v1/runs", Map.of("prompt", "write /workspace/exact.txt " + "y".repeat(100) + "; succeed",
                "workspaceId", ws)).json().get("id").asText();
        assertThat(awaitEnd(t.member(), exact).get("status").asText()).isEqualTo("succeeded");
        assertThat(t.member().get("/v1/runs/" + exact + "/artifacts").json().get("data")).as("what fits is kept").hasSize(1);

        assertRefused(t.member().post("/v1/runs", Map.of("prompt", "say hi", "workspaceId", ws)), 429, "workspace-max-artifact-storage");
        var without = t.member().post("/v1/runs", Map.of("prompt", "say hi", "workspaceId", ws, "options", Map.of("captureArtifacts", false)));
        assertThat(without.status()).as("a run that stores nothing may start").isEqualTo(202);
        awaitEnd(t.member(), without.json().get("id").asText());
    }
}
