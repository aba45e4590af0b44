package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.testkit.RecordedRequest;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run's {@code disallowedTools} hold against bypass attempts in every permission mode, through the
 * HTTP API, the real agent and a real sandbox, with the model scripted by the prompt ({@code bash CMD}).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Db.class, names = "SQLITE")
class BashRulesApiTest extends ServerTestBase {
    private static final String VICTIM = "/workspace/victim";
    /** A representative part of the agent module's bypass table (the prompt script splits steps at ';'). */
    private static final List<String> ATTEMPTS = List.of(
            "/bin/rm " + VICTIM,
            "command rm " + VICTIM,
            "X=1 rm " + VICTIM,
            "(rm " + VICTIM + ")",
            "bash -c 'rm " + VICTIM + "'",
            "echo $(rm " + VICTIM + ")",
            "echo `rm " + VICTIM + "`",
            "env rm " + VICTIM,
            "nohup rm " + VICTIM,
            "true && rm " + VICTIM,
            "false || rm " + VICTIM,
            "echo | rm " + VICTIM,
            "echo " + VICTIM + " | xargs rm",
            "timeout 5 rm " + VICTIM,
            "nice -n 1 rm " + VICTIM,
            "sudo rm " + VICTIM,
            "exec rm " + VICTIM,
            "\\rm " + VICTIM,
            "r\"\"m " + VICTIM,
            "eval rm " + VICTIM,
            "echo rm " + VICTIM + " | sh",
            "$CMD " + VICTIM);

    private static JsonNode awaitStatus(Http http, String runId, String status) {
        return Poll.until(Duration.ofSeconds(60), () -> http.get("/v1/runs/" + runId).json(),
                r -> r.get("status").asText().equals(status), "run " + runId + " " + status);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "acceptEdits", "plan", "bypassPermissions"})
    void noAttemptRunsInAnyMode(String mode) {
        var t = server.tenant("rules-" + mode);
        String own = "bash rm /workspace/" + mode;
        boolean bypass = mode.equals("bypassPermissions");
        // in bypassPermissions the victim is made first and read back last, to show it survived
        String prompt = (bypass ? "write " + VICTIM + " precious; " : "") + own + "; "
                + String.join("; ", ATTEMPTS.stream().map(a -> "bash " + a).toList())
                + (bypass ? "; bash cat " + VICTIM : "") + "; say done";
        String id = t.member().post("/v1/runs", Map.of("prompt", prompt, "workspaceId", t.workspaceId(),
                "options", Map.of("permissionMode", mode, "disallowedTools", List.of("Bash(rm:*)"), "maxTurns", 100))).json()
                .get("id").asText();
        awaitStatus(t.member(), id, "succeeded");

        List<RecordedRequest.ToolResult> results = model.fake().messageRequests().stream()
                .filter(q -> q.messages().getFirst().toString().contains(own))
                .flatMap(q -> q.lastToolResult().stream()).toList();
        int from = bypass ? 2 : 1;
        assertThat(results).hasSize(from + ATTEMPTS.size() + (bypass ? 1 : 0));
        List<RecordedRequest.ToolResult> attempts = results.subList(from, from + ATTEMPTS.size());
        for (int i = 0; i < ATTEMPTS.size(); i++) {
            assertThat(attempts.get(i).isError()).as(mode + ": " + ATTEMPTS.get(i)).isTrue();
            assertThat(attempts.get(i).content()).as(mode + ": " + ATTEMPTS.get(i)).startsWith("Permission denied").contains("Bash(rm:*)");
        }
        if (bypass) {
            assertThat(results.getFirst().isError()).isFalse();
            assertThat(results.getLast().isError()).isFalse();
            assertThat(results.getLast().content()).as("the victim survived every attempt").isEqualTo("precious");
        }
    }
}
