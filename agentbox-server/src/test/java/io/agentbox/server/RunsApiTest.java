package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ScriptedModel;
import io.agentbox.server.support.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class RunsApiTest extends ServerTestBase {

    private static JsonNode awaitStatus(Http http, String runId, String status) {
        return Poll.until(Duration.ofSeconds(30), () -> http.get("/v1/runs/" + runId).json(),
                r -> r.get("status").asText().equals(status), "run " + runId + " " + status);
    }

    @Test
    void startRunAnswers202QueuedAndTheRunSucceeds() {
        var t = server.tenant("runs");
        var r = t.member().post("/v1/runs", Map.of("prompt", "emit 3; cost 0.01; succeed", "workspaceId", t.workspaceId(),
                "options", Map.of("maxTurns", 5, "timeout", "5m")));
        assertThat(r.status()).isEqualTo(202);
        JsonNode run = r.json();
        assertThat(run.get("id").asText()).startsWith("run_");
        assertThat(run.get("status").asText()).isEqualTo("queued");
        assertThat(run.get("workspaceId").asText()).isEqualTo(t.workspaceId());
        assertThat(run.get("options").get("maxTurns").asInt()).isEqualTo(5);
        assertThat(r.header("Location")).contains("/v1/runs/" + run.get("id").asText());

        JsonNode done = awaitStatus(t.member(), run.get("id").asText(), "succeeded");
        assertThat(done.get("result").asText()).as("the model's answer").isEqualTo("012");
        assertThat(done.get("cost").get("model").asDouble()).isCloseTo(0.01, within(0.0001));
        assertThat(done.get("cost").get("total").asDouble()).isGreaterThanOrEqualTo(done.get("cost").get("model").asDouble());
        assertThat(done.get("usage").get("inputTokens").asLong()).isEqualTo(3333);
        assertThat(done.get("turns").asInt()).isEqualTo(1);
        assertThat(done.get("startedAt").isNull()).isFalse();
        assertThat(done.get("finishedAt").isNull()).isFalse();
        assertThat(done.get("error").isNull()).isTrue();
        String sandboxId = done.get("sandboxId").asText();
        assertThat(sandboxId).as("the run's sandbox is recorded").startsWith("sbx");
        assertThat(sandboxes().list(SandboxQuery.ALL)).as("a run's sandbox ends with it").noneMatch(i -> i.id().equals(sandboxId));
        assertThat(model.fake().lastRequest().hasApiKey(ScriptedModel.API_KEY)).isTrue();
    }

    @Test
    void optionsReachTheAgent() {
        var t = server.tenant("options");
        var r = t.member().post("/v1/runs", Map.of("prompt", "bash echo one; bash echo two; bash echo three; say never", "workspaceId", t.workspaceId(),
                "model", "claude-haiku-4-5", "options", Map.of("maxTurns", 2, "appendSystemPrompt", "Answer like a pirate.",
                        "disallowedTools", List.of("WebFetch"))));
        JsonNode failed = awaitStatus(t.member(), r.json().get("id").asText(), "failed");
        assertThat(failed.get("error").get("category").asText()).isEqualTo("max_turns");
        assertThat(failed.get("turns").asInt()).isEqualTo(2);
        var last = model.fake().messageRequests().stream()
                .filter(q -> q.messages().getFirst().toString().contains("bash echo one")).toList().getLast();
        assertThat(last.model()).contains("claude-haiku-4-5");
        assertThat(last.systemText()).contains("Answer like a pirate.");
        assertThat(last.toolNames()).contains("Bash").doesNotContain("WebFetch");
    }

    @Test
    void cancelStopsTheSandboxCommandAndTheSandboxIsGoneWithinTwoSeconds() {
        var t = server.tenant("cancel-sandbox");
        String id = t.member().post("/v1/runs", Map.of("prompt", "bash sleep 600", "workspaceId", t.workspaceId())).json().get("id").asText();
        String running = Poll.until(Duration.ofSeconds(20), () -> t.member().get("/v1/runs/" + id + "/events?follow=false").body(),
                b -> b.contains("event: tool.call"), "the command started");
        String sandboxId = t.member().get("/v1/runs/" + id).json().get("sandboxId").asText();
        assertThat(sandboxes().list(SandboxQuery.ALL)).anyMatch(i -> i.id().equals(sandboxId));
        long start = System.nanoTime();
        var r = t.member().post("/v1/runs/" + id + "/cancel", Map.of("reason", "too slow"));
        assertThat(r.json().get("status").asText()).isEqualTo("canceled");
        assertThat(sandboxes().list(SandboxQuery.ALL)).as("the sandbox is gone when the run reports canceled")
                .noneMatch(i -> i.id().equals(sandboxId));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(running).isNotNull();
    }

    @Test
    void workspaceDefaultsToTheCallersFirstWorkspace() {
        var r = server.owner().post("/v1/runs", Map.of("prompt", "succeed"));
        assertThat(r.status()).isEqualTo(202);
        assertThat(r.json().get("workspaceId").asText()).isEqualTo(server.defaultWorkspace());
    }

    @Test
    void malformedInputIs400NamingTheFieldAndStoresNothing() {
        var t = server.tenant("validation");
        Http m = t.member();
        record Case(Object body, String expectInMessage) {}
        List<Case> cases = List.of(
                new Case(Map.of(), "'prompt' is required"),
                new Case(Map.of("prompt", 42), "'prompt' must be a string"),
                new Case(Map.of("prompt", "x", "model", List.of("a")), "'model' must be a string"),
                new Case(Map.of("prompt", "x", "promt", "typo"), "'promt' is not recognized"),
                new Case(Map.of("prompt", "x", "options", "fast"), "'options' must be an object"),
                new Case(Map.of("prompt", "x", "options", Map.of("maxTurns", "ten")), "'options.maxTurns' must be an integer"),
                new Case(Map.of("prompt", "x", "options", Map.of("maxTurns", 0)), "'options.maxTurns' must be between"),
                new Case(Map.of("prompt", "x", "options", Map.of("maxTurns", 1.5)), "'options.maxTurns' must be an integer"),
                new Case(Map.of("prompt", "x", "options", Map.of("permissionMode", "yolo")), "'options.permissionMode' must be one of"),
                new Case(Map.of("prompt", "x", "options", Map.of("runtime", "claude")), "'options.runtime' must be one of native, claude-code"),
                new Case(Map.of("prompt", "x", "options", Map.of("timeout", "soon")), "'options.timeout' must be a duration"),
                new Case(Map.of("prompt", "x", "options", Map.of("allowedTools", List.of("Bash", 3))), "'options.allowedTools[1]' must be a string"),
                new Case(Map.of("prompt", "x", "options", Map.of("speed", 1)), "'options.speed' is not recognized"),
                new Case(Map.of("prompt", "x", "options", Map.of("maxBudgetUsd", 0)), "'options.maxBudgetUsd' must be greater than 0"),
                new Case(Map.of("prompt", "x", "options", Map.of("thinkingBudget", 10)), "'options.thinkingBudget' must be between"),
                new Case(Map.of("prompt", "x", "options", Map.of("network", "wifi")), "'options.network' network must be none, open or allow"),
                new Case(Map.of("prompt", "x", "options", Map.of("disallowedTools", List.of("Bash(", "ok"))), "'options.disallowedTools[0]' is not a tool rule"),
                new Case(Map.of("prompt", "x", "sessionId", 7), "'sessionId' must be a string"),
                new Case(Map.of("prompt", "x", "template", "../etc"), "'template' must be a template name"),
                new Case("{\"prompt\": ", "not valid JSON"),
                new Case("[1,2]", "must be a JSON object"),
                new Case("\"just a string\"", "must be a JSON object"));
        for (Case c : cases) {
            var r = m.post("/v1/runs", c.body() instanceof String s ? s : c.body());
            assertThat(r.status()).as("%s", c.body()).isEqualTo(400);
            assertThat(r.errorMessage()).as("%s", c.body()).contains(c.expectInMessage());
            assertThat(r.errorCode()).isIn("invalid_request", "invalid_json");
        }
        assertThat(m.get("/v1/runs?workspaceId=" + t.workspaceId()).json().get("data")).isEmpty();
    }

    @Test
    void oversizedPromptAndBodyAre413AndStoreNothing() {
        var t = server.tenant("sizes");
        String big = "x".repeat((1 << 20) + 1);
        var r = t.member().post("/v1/runs", Map.of("prompt", big, "workspaceId", t.workspaceId()));
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.errorCode()).isEqualTo("payload_too_large");
        var multibyte = t.member().post("/v1/runs", Map.of("prompt", "é".repeat(600_000), "workspaceId", t.workspaceId()));
        assertThat(multibyte.status()).as("1.2 MB of UTF-8 in 600k characters").isEqualTo(413);
        var huge = t.member().post("/v1/runs", Map.of("prompt", "x".repeat(3 << 20), "workspaceId", t.workspaceId()));
        assertThat(huge.status()).isEqualTo(413);
        assertThat(t.member().get("/v1/runs?workspaceId=" + t.workspaceId()).json().get("data")).isEmpty();
        var ok = t.member().post("/v1/runs", Map.of("prompt", "x".repeat(1 << 20), "workspaceId", t.workspaceId()));
        assertThat(ok.status()).as("exactly at the limit").isEqualTo(202);
    }

    @Test
    void viewersCannotStartRuns() {
        var t = server.tenant("viewers");
        var r = t.viewer().post("/v1/runs", Map.of("prompt", "succeed", "workspaceId", t.workspaceId()));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.errorCode()).isEqualTo("forbidden");
    }

    @Test
    void listFiltersByStatusAndSinceAndPagesWithACursor() {
        var t = server.tenant("paging");
        Http m = t.member();
        Instant before = Instant.now().minusSeconds(1);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 7; i++) ids.add(m.post("/v1/runs", Map.of("prompt", "succeed", "workspaceId", t.workspaceId())).json().get("id").asText());
        String failing = m.post("/v1/runs", Map.of("prompt", "fail", "workspaceId", t.workspaceId())).json().get("id").asText();
        ids.add(failing);
        for (String id : ids) Poll.until(Duration.ofSeconds(10), () -> m.get("/v1/runs/" + id).json().get("status").asText(),
                s -> s.equals("succeeded") || s.equals("failed"), "run end");

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var page = m.get("/v1/runs?workspaceId=" + t.workspaceId() + "&limit=3" + (cursor == null ? "" : "&cursor=" + cursor)).json();
            page.get("data").forEach(r -> seen.add(r.get("id").asText()));
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(8).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);

        var failed = m.get("/v1/runs?workspaceId=" + t.workspaceId() + "&status=failed").json().get("data");
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).get("id").asText()).isEqualTo(failing);
        assertThat(failed.get(0).get("error").get("category").asText()).as("a 400 from the model API").isEqualTo("api_error");
        assertThat(m.get("/v1/runs?workspaceId=" + t.workspaceId() + "&since=" + before).json().get("data")).hasSize(8);
        String failingAt = m.get("/v1/runs/" + failing).json().get("createdAt").asText();
        var recent = m.get("/v1/runs?workspaceId=" + t.workspaceId() + "&since=" + failingAt).json().get("data");
        assertThat(recent.findValuesAsText("id")).contains(failing);
        recent.forEach(r -> assertThat(Instant.parse(r.get("createdAt").asText())).isAfterOrEqualTo(Instant.parse(failingAt)));
        assertThat(m.get("/v1/runs?workspaceId=" + t.workspaceId() + "&since=" + Instant.now().plusSeconds(60)).json().get("data")).isEmpty();

        assertThat(m.get("/v1/runs?status=sleeping").errorMessage()).contains("'status' must be one of");
        assertThat(m.get("/v1/runs?since=yesterday").errorMessage()).contains("'since' must be an ISO-8601 instant");
        assertThat(m.get("/v1/runs?limit=0").errorMessage()).contains("'limit' must be between 1 and 200");
        assertThat(m.get("/v1/runs?cursor=garbage!").errorMessage()).contains("'cursor'");
    }

    @Test
    void cancelEndsARunningRunWithinTwoSeconds() {
        var t = server.tenant("cancel");
        String id = t.member().post("/v1/runs", Map.of("prompt", "emit 1; hold", "workspaceId", t.workspaceId())).json().get("id").asText();
        awaitStatus(t.member(), id, "running");
        long start = System.nanoTime();
        var r = t.member().post("/v1/runs/" + id + "/cancel", Map.of("reason", "changed my mind"));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("canceled");
        assertThat(r.json().get("error").get("category").asText()).isEqualTo("canceled");
        assertThat(r.json().get("error").get("message").asText()).isEqualTo("changed my mind");
        assertThat(ms).isLessThan(2000);
        assertThat(t.member().post("/v1/runs/" + id + "/cancel", Map.of()).status()).as("idempotent").isEqualTo(200);
    }

    @Test
    void onlyTheCreatorOrAnAdminCancels() {
        var t = server.tenant("cancel-rules");
        var key = t.owner().post("/v1/workspaces/" + t.workspaceId() + "/keys", Map.of("name", "m2", "role", "member")).json();
        Http otherMember = t.owner().as(key.get("key").asText());
        String id = t.member().post("/v1/runs", Map.of("prompt", "hold", "workspaceId", t.workspaceId())).json().get("id").asText();
        assertThat(otherMember.post("/v1/runs/" + id + "/cancel", Map.of()).status()).isEqualTo(403);
        assertThat(t.viewer().post("/v1/runs/" + id + "/cancel", Map.of()).status()).isEqualTo(403);
        assertThat(t.admin().post("/v1/runs/" + id + "/cancel", Map.of()).json().get("status").asText()).isEqualTo("canceled");
    }

    @Test
    void cancelOfAFinishedRunIs409() {
        var t = server.tenant("cancel-done");
        String id = t.member().post("/v1/runs", Map.of("prompt", "succeed", "workspaceId", t.workspaceId())).json().get("id").asText();
        awaitStatus(t.member(), id, "succeeded");
        var r = t.member().post("/v1/runs/" + id + "/cancel", Map.of());
        assertThat(r.status()).isEqualTo(409);
        assertThat(t.member().get("/v1/runs/" + id).json().get("status").asText()).isEqualTo("succeeded");
    }
}
