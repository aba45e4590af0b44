package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The reaper ends sessions idle longer than the idle timeout, never one whose run is in flight. */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class SessionIdleTest extends ServerTestBase {
    private static final Duration IDLE = Duration.ofSeconds(2);

    @Override
    protected ServerConfig.Builder configure(ServerConfig.Builder b) {
        return b.sessionIdleTimeout(IDLE).reaperInterval(Duration.ofMillis(200));
    }

    private JsonNode session(String id) {
        return server.owner().get("/v1/sessions/" + id).json();
    }

    @Test
    void idleSessionsAreReapedWithTheReasonAndTheirSandboxGoes() {
        String gate = "g-" + UUID.randomUUID();
        String id = server.owner().post("/v1/sessions", Map.of()).json().get("id").asText();
        String run = server.owner().post("/v1/sessions/" + id + "/messages", Map.of("prompt", "emit 1; hold " + gate)).json().get("id").asText();
        Poll.until(Duration.ofSeconds(30), () -> server.owner().get("/v1/runs/" + run).json().get("status").asText(), "running"::equals, "running");
        String sandbox = Poll.until(Duration.ofSeconds(30), () -> session(id).get("sandboxId").asText(""), s -> !s.isEmpty(), "the sandbox");
        long busyUntil = System.nanoTime() + IDLE.multipliedBy(2).toNanos();
        while (System.nanoTime() < busyUntil) {
            assertThat(session(id).get("status").asText()).as("a session with a run in flight is not idle").isEqualTo("active");
        }
        model.release(gate);
        Poll.until(Duration.ofSeconds(30), () -> server.owner().get("/v1/runs/" + run).json().get("status").asText(), "succeeded"::equals, "run end");
        JsonNode ended = Poll.until(Duration.ofSeconds(30), () -> session(id), s -> s.get("status").asText().equals("ended"), "the reaper");
        assertThat(ended.get("endReason").asText()).isEqualTo("idle for 2s");
        Poll.until(Duration.ofSeconds(2), () -> sandboxes().list(SandboxQuery.ALL).stream().noneMatch(i -> i.id().equals(sandbox)),
                gone -> gone, "the session's sandbox killed right after the session ended");
        assertThat(server.owner().post("/v1/sessions/" + id + "/messages", Map.of("prompt", "say hi")).status()).isEqualTo(409);
    }
}
