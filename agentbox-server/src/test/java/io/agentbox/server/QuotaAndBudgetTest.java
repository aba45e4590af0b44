package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.runs.RunExecutor;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ScriptedRuns;
import io.agentbox.server.support.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class QuotaAndBudgetTest extends ServerTestBase {
    private final ScriptedRuns runs = new ScriptedRuns();

    @Override
    protected Optional<RunExecutor> executor() {
        return Optional.of(runs);
    }

    @Override
    protected ServerConfig.Builder configure(ServerConfig.Builder b) {
        return b.workspaceConcurrency(2).maxConcurrentRuns(3);
    }

    private static List<String> start(Http http, String ws, String prompt, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            var r = http.post("/v1/runs", Map.of("prompt", prompt, "workspaceId", ws));
            assertThat(r.status()).isEqualTo(202);
            ids.add(r.json().get("id").asText());
        }
        return ids;
    }

    private static long count(Http http, String ws, String... statuses) {
        JsonNode data = http.get("/v1/runs?limit=200&workspaceId=" + ws).json().get("data");
        long n = 0;
        for (JsonNode r : data) if (List.of(statuses).contains(r.get("status").asText())) n++;
        return n;
    }

    /** Asserts that over a short window the count never exceeds {@code max} (a quota must hold, not just once). */
    private static void neverAbove(Http http, String ws, long max) {
        long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        while (System.nanoTime() < until) assertThat(count(http, ws, "booting", "running")).isLessThanOrEqualTo(max);
    }

    @Test
    void workspaceQuotaAndGlobalCapacityHoldAndQueuedRunsStartAsSlotsFree() {
        String gate = "g-" + UUID.randomUUID();
        var a = server.tenant("quota-a");
        var b = server.tenant("quota-b");
        List<String> ids = new ArrayList<>(start(a.member(), a.workspaceId(), "hold " + gate, 4));
        Poll.until(Duration.ofSeconds(10), () -> count(a.member(), a.workspaceId(), "running"), n -> n == 2, "two running in A");
        neverAbove(a.member(), a.workspaceId(), 2);
        assertThat(count(a.member(), a.workspaceId(), "queued")).isEqualTo(2);

        ids.addAll(start(b.member(), b.workspaceId(), "hold " + gate, 2));
        Poll.until(Duration.ofSeconds(10), () -> count(b.member(), b.workspaceId(), "running"), n -> n == 1, "B gets the one free global slot");
        neverAbove(b.member(), b.workspaceId(), 1);

        runs.release(gate);
        for (String id : ids) {
            Poll.until(Duration.ofSeconds(15), () -> server.owner().get("/v1/runs/" + id).json().get("status").asText(),
                    "succeeded"::equals, "run " + id + " succeeded");
        }
    }

    @Test
    void workspaceQuotaCanBeRaisedPerWorkspace() {
        String gate = "g-" + UUID.randomUUID();
        var t = server.tenant("quota-raise");
        assertThat(t.member().patch("/v1/workspaces/" + t.workspaceId(), Map.of("maxConcurrentRuns", 3)).status()).isEqualTo(403);
        assertThat(t.admin().patch("/v1/workspaces/" + t.workspaceId(), Map.of("maxConcurrentRuns", 3)).json().get("maxConcurrentRuns").asInt()).isEqualTo(3);
        List<String> ids = start(t.member(), t.workspaceId(), "hold " + gate, 3);
        Poll.until(Duration.ofSeconds(10), () -> count(t.member(), t.workspaceId(), "running"), n -> n == 3, "three running");
        runs.release(gate);
        for (String id : ids) Poll.until(Duration.ofSeconds(15), () -> t.member().get("/v1/runs/" + id).json().get("status").asText(),
                "succeeded"::equals, "run end");
    }

    @Test
    void dailyBudgetRejectsNewRunsOnceSpentAndNothingIsStored() {
        var t = server.tenant("budget");
        String ws = t.workspaceId();
        var patched = t.admin().patch("/v1/workspaces/" + ws, Map.of("dailyBudgetUsd", 0.05));
        assertThat(patched.json().get("dailyBudgetUsd").asDouble()).isEqualTo(0.05);
        for (String id : start(t.member(), ws, "cost 0.03; succeed", 2)) {
            Poll.until(Duration.ofSeconds(10), () -> t.member().get("/v1/runs/" + id).json().get("status").asText(), "succeeded"::equals, "run end");
        }
        var rejected = t.member().post("/v1/runs", Map.of("prompt", "succeed", "workspaceId", ws));
        assertThat(rejected.status()).isEqualTo(402);
        assertThat(rejected.errorCode()).isEqualTo("budget_exceeded");
        assertThat(rejected.errorMessage()).contains("daily budget");
        assertThat(count(t.member(), ws, "queued", "booting", "running", "succeeded", "failed", "canceled")).isEqualTo(2);

        var reset = t.admin().patch("/v1/workspaces/" + ws, "{\"dailyBudgetUsd\": null}");
        assertThat(reset.json().get("dailyBudgetUsd").isNull()).isTrue();
        assertThat(t.member().post("/v1/runs", Map.of("prompt", "succeed", "workspaceId", ws)).status()).isEqualTo(202);
    }

    @Test
    void aQueuedRunFailsAtStartWhenTheBudgetRanOutMeanwhile() {
        String gate = "g-" + UUID.randomUUID();
        var t = server.tenant("budget-at-start");
        String ws = t.workspaceId();
        t.admin().patch("/v1/workspaces/" + ws, Map.of("dailyBudgetUsd", 0.05, "maxConcurrentRuns", 1));
        String first = start(t.member(), ws, "hold " + gate + "; cost 0.10; succeed", 1).get(0);
        String second = start(t.member(), ws, "succeed", 1).get(0);
        Poll.until(Duration.ofSeconds(10), () -> t.member().get("/v1/runs/" + first).json().get("status").asText(), "running"::equals, "first running");
        assertThat(t.member().get("/v1/runs/" + second).json().get("status").asText()).isEqualTo("queued");
        runs.release(gate);
        JsonNode failed = Poll.until(Duration.ofSeconds(10), () -> t.member().get("/v1/runs/" + second).json(),
                r -> r.get("status").asText().equals("failed"), "second fails");
        assertThat(failed.get("error").get("category").asText()).isEqualTo("budget_exceeded");
    }

    @Test
    void workspaceSettingsAreValidated() {
        var t = server.tenant("settings");
        String ws = "/v1/workspaces/" + t.workspaceId();
        assertThat(t.admin().patch(ws, Map.of("dailyBudgetUsd", -1)).errorMessage()).contains("'dailyBudgetUsd' must be between");
        assertThat(t.admin().patch(ws, Map.of("maxConcurrentRuns", "many")).errorMessage()).contains("'maxConcurrentRuns' must be an integer");
        assertThat(t.admin().patch(ws, Map.of("name", " ")).errorMessage()).contains("'name' must not be blank");
        assertThat(t.owner().post("/v1/workspaces", Map.of("name", "x".repeat(101))).errorMessage()).contains("'name' must be at most 100");
    }
}
