package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.TestServer;
import io.agentbox.testkit.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class SessionsApiTest extends ServerTestBase {

    private static JsonNode awaitEnd(Http http, String runId) {
        return Poll.until(Duration.ofSeconds(30), () -> http.get("/v1/runs/" + runId).json(),
                r -> List.of("succeeded", "failed", "canceled").contains(r.get("status").asText()), "run " + runId + " ends");
    }

    private static String send(Http http, String session, String prompt) {
        var r = http.post("/v1/sessions/" + session + "/messages", Map.of("prompt", prompt));
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    private static String open(TestServer.Tenant t, Map<String, Object> body) {
        var r = t.member().post("/v1/sessions", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    private boolean sandboxAlive(String id) {
        return sandboxes().list(SandboxQuery.ALL).stream().anyMatch(i -> i.id().equals(id));
    }

    @Test
    void turnsShareTheSandboxAndTheWholeConversation() {
        var t = server.tenant("chat");
        var created = t.member().post("/v1/sessions", Map.of("workspaceId", t.workspaceId(), "model", "claude-haiku-4-5",
                "options", Map.of("maxTurns", 5, "appendSystemPrompt", "Be brief.")));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Location")).hasValueSatisfying(l -> assertThat(l).startsWith("/v1/sessions/ses_"));
        JsonNode s = created.json();
        String id = s.get("id").asText();
        assertThat(s.get("status").asText()).isEqualTo("active");
        assertThat(s.get("sandboxId").isNull()).as("created with the first message").isTrue();
        assertThat(s.get("turns").asInt()).isZero();

        String first = send(t.member(), id, "write /workspace/notes.txt remember the tide; say saved");
        JsonNode r1 = awaitEnd(t.member(), first);
        assertThat(r1.get("status").asText()).isEqualTo("succeeded");
        assertThat(r1.get("sessionId").asText()).isEqualTo(id);
        assertThat(r1.get("model").asText()).as("the session's model").isEqualTo("claude-haiku-4-5");
        String second = send(t.member(), id, "bash cat /workspace/notes.txt; say read it");
        JsonNode r2 = awaitEnd(t.member(), second);
        assertThat(r2.get("status").asText()).isEqualTo("succeeded");
        assertThat(r2.get("result").asText()).isEqualTo("read it");
        assertThat(r2.get("sandboxId").asText()).as("the same sandbox").isEqualTo(r1.get("sandboxId").asText());
        assertThat(sandboxAlive(r2.get("sandboxId").asText())).as("kept between turns").isTrue();

        String events = t.member().get("/v1/runs/" + second + "/events?follow=false").body();
        assertThat(events).as("each message is a run with its own events").startsWith(": stream of run " + second)
                .contains("id: 1\nevent: run.started").contains("\"reused\":true").contains("remember the tide");

        RecordedRequest last = model.fake().lastRequest();
        List<JsonNode> messages = last.messages();
        assertThat(messages.getFirst().toString()).as("the conversation is sent as real messages")
                .contains("write /workspace/notes.txt remember the tide");
        assertThat(messages).hasSize(7);
        assertThat(messages.get(3).path("role").asText()).isEqualTo("assistant");
        assertThat(messages.get(3).toString()).contains("saved");
        assertThat(last.systemText()).contains("Be brief.");

        JsonNode after = t.member().get("/v1/sessions/" + id).json();
        assertThat(after.get("turns").asInt()).as("model calls over both runs").isEqualTo(4);
        assertThat(after.get("sandboxId").asText()).isEqualTo(r1.get("sandboxId").asText());
        assertThat(after.at("/cost/total").asDouble()).isPositive();
        assertThat(after.at("/usage/inputTokens").asLong()).isPositive();
        assertThat(after.get("activeRunId").isNull()).isTrue();
        assertThat(t.member().get("/v1/runs?sessionId=" + id).json().get("data")).hasSize(2);
        assertThat(t.member().get("/v1/sessions?workspaceId=" + t.workspaceId()).json().get("data").findValuesAsText("id")).containsExactly(id);

        var viaRuns = t.member().post("/v1/runs", Map.of("prompt", "say third", "sessionId", id));
        assertThat(viaRuns.status()).as("POST /v1/runs with sessionId is the same turn").isEqualTo(202);
        assertThat(awaitEnd(t.member(), viaRuns.json().get("id").asText()).get("sandboxId").asText()).isEqualTo(r1.get("sandboxId").asText());
    }

    @Test
    void oneRunAtATimeAndACanceledTurnKeepsTheSession() {
        String gate = "g-" + UUID.randomUUID();
        var t = server.tenant("one-at-a-time");
        String id = open(t, Map.of());
        String held = send(t.member(), id, "hold " + gate);
        var busy = t.member().post("/v1/sessions/" + id + "/messages", Map.of("prompt", "say next"));
        assertThat(busy.status()).isEqualTo(409);
        assertThat(busy.errorMessage()).contains("busy");
        assertThat(t.member().get("/v1/sessions/" + id).json().get("activeRunId").asText()).isEqualTo(held);
        model.release(gate);
        assertThat(awaitEnd(t.member(), held).get("result").asText()).isEqualTo("released");

        String sleeping = send(t.member(), id, "bash sleep 600");
        Poll.until(Duration.ofSeconds(30), () -> t.member().get("/v1/runs/" + sleeping + "/events?follow=false").body(),
                b -> b.contains("sleep 600"), "the command started");
        var canceled = t.member().post("/v1/runs/" + sleeping + "/cancel", Map.of());
        assertThat(canceled.json().get("status").asText()).isEqualTo("canceled");
        String sandbox = canceled.json().get("sandboxId").asText();
        assertThat(sandboxAlive(sandbox)).as("canceling a turn does not end the session").isTrue();
        JsonNode next = awaitEnd(t.member(), send(t.member(), id, "bash pgrep -x sleep >/dev/null && echo still-sleeping || echo no-sleep; say still here"));
        assertThat(next.get("status").asText()).isEqualTo("succeeded");
        assertThat(next.get("sandboxId").asText()).isEqualTo(sandbox);
        assertThat(t.member().get("/v1/runs/" + next.get("id").asText() + "/events?follow=false").body())
                .as("the canceled turn's command was stopped").contains("\"output\":\"no-sleep");
    }

    @Test
    void aSandboxTheSessionReplacesIsRecordedEndedAndTheNewOneCountsInstead() {
        var t = server.tenant("replaced");
        String id = open(t, Map.of("workspaceId", t.workspaceId()));
        String old = awaitEnd(t.member(), send(t.member(), id, "say first")).get("sandboxId").asText();
        assertThat(sandboxes().kill(old)).as("the sandbox ends behind the server's back (expired)").isTrue();

        String second = send(t.member(), id, "say second");
        JsonNode r = awaitEnd(t.member(), second);
        assertThat(r.get("status").asText()).isEqualTo("succeeded");
        String replacement = r.get("sandboxId").asText();
        assertThat(replacement).isNotEqualTo(old);
        assertThat(t.member().get("/v1/runs/" + second + "/events?follow=false").body()).contains("event: sandbox.recreated");
        JsonNode ended = t.member().get("/v1/sandboxes/" + old).json();
        assertThat(ended.get("endedAt").isNull()).as("the replaced sandbox no longer counts against the quota").isFalse();
        assertThat(ended.get("endReason").asText()).contains("replaced by " + replacement);
        assertThat(t.member().get("/v1/sandboxes?workspaceId=" + t.workspaceId()).json().get("data").findValuesAsText("id"))
                .contains(replacement).doesNotContain(old);
        assertThat(t.member().get("/v1/sessions/" + id).json().get("sandboxId").asText()).isEqualTo(replacement);
        assertThat(t.member().get("/v1/sandboxes/" + replacement).json().get("kind").asText()).isEqualTo("session");
    }

    @Test
    void aRunsOwnSandboxIsKilledByItsAgentSessionAndRecordedBeforeTheRunEnds() {
        var t = server.tenant("own-run");
        var created = t.member().post("/v1/runs", Map.of("prompt", "say done", "workspaceId", t.workspaceId()));
        assertThat(created.status()).isEqualTo(202);
        JsonNode run = awaitEnd(t.member(), created.json().get("id").asText());
        assertThat(run.get("status").asText()).isEqualTo("succeeded");
        String sandbox = run.get("sandboxId").asText();
        // no polling: the session's kill and its record come before the terminal state
        assertThat(sandboxAlive(sandbox)).isFalse();
        JsonNode row = t.member().get("/v1/sandboxes/" + sandbox).json();
        assertThat(row.get("kind").asText()).isEqualTo("run");
        assertThat(row.get("endedAt").isNull()).isFalse();
        assertThat(row.get("endReason").asText()).isEqualTo("run succeeded");
    }

    @Test
    void endingCancelsTheRunKillsTheSandboxAndRefusesMoreMessages() {
        var t = server.tenant("ending");
        String id = open(t, Map.of("workspaceId", t.workspaceId()));
        String run = send(t.member(), id, "bash sleep 600");
        Poll.until(Duration.ofSeconds(30), () -> t.member().get("/v1/runs/" + run + "/events?follow=false").body(),
                b -> b.contains("sleep 600"), "the command started");
        String sandbox = t.member().get("/v1/sessions/" + id).json().get("sandboxId").asText();
        assertThat(t.viewer().delete("/v1/sessions/" + id).status()).isEqualTo(403);

        var ended = t.member().delete("/v1/sessions/" + id);
        assertThat(ended.status()).isEqualTo(200);
        assertThat(ended.json().get("status").asText()).isEqualTo("ended");
        assertThat(ended.json().get("endReason").asText()).isEqualTo("ended by request");
        assertThat(ended.json().get("endedAt").isNull()).isFalse();
        assertThat(t.member().get("/v1/runs/" + run).json().get("status").asText()).isEqualTo("canceled");
        assertThat(sandboxAlive(sandbox)).isFalse();
        var refused = t.member().post("/v1/sessions/" + id + "/messages", Map.of("prompt", "say hi"));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.errorMessage()).contains("has ended");
        assertThat(t.member().delete("/v1/sessions/" + id).json().get("status").asText()).as("idempotent").isEqualTo("ended");
        assertThat(t.member().get("/v1/runs?sessionId=" + id).json().get("data")).hasSize(1);
    }

    @Test
    void badInputIsRefusedAndStoresNothing() {
        var t = server.tenant("session-validation");
        Http m = t.member();
        record Case(Object body, int status, String expectInMessage) {}
        for (Case c : List.of(
                new Case(Map.of("options", Map.of("maxTurns", "many")), 400, "'options.maxTurns' must be an integer"),
                new Case(Map.of("template", "../x"), 400, "'template' must be a template name"),
                new Case(Map.of("modell", "x"), 400, "'modell' is not recognized"),
                new Case(Map.of("workspaceId", "ws_nope"), 404, "workspace ws_nope"),
                new Case("[]", 400, "must be a JSON object"))) {
            var r = m.post("/v1/sessions", c.body() instanceof String str ? str : c.body());
            assertThat(r.status()).as("%s", c.body()).isEqualTo(c.status());
            assertThat(r.errorMessage()).as("%s", c.body()).contains(c.expectInMessage());
        }
        assertThat(t.viewer().post("/v1/sessions", Map.of("workspaceId", t.workspaceId())).status()).isEqualTo(403);
        assertThat(m.get("/v1/sessions?workspaceId=" + t.workspaceId()).json().get("data")).isEmpty();

        String id = open(t, Map.of("workspaceId", t.workspaceId()));
        for (Case c : List.of(
                new Case(Map.of(), 400, "'prompt' is required"),
                new Case(Map.of("prompt", 5), 400, "'prompt' must be a string"),
                new Case(Map.of("prompt", "x", "options", Map.of("permissionMode", "sure")), 400, "'options.permissionMode' must be one of"),
                new Case(Map.of("prompt", "x", "sessionId", "ses_other"), 400, "'sessionId' is not recognized"),
                new Case(Map.of("prompt", "x".repeat((1 << 20) + 1)), 413, "prompt is"))) {
            var r = m.post("/v1/sessions/" + id + "/messages", c.body());
            assertThat(r.status()).as("%s", c.body()).isEqualTo(c.status());
            assertThat(r.errorMessage()).as("%s", c.body()).contains(c.expectInMessage());
        }
        assertThat(t.viewer().post("/v1/sessions/" + id + "/messages", Map.of("prompt", "say hi")).status()).isEqualTo(403);
        assertThat(m.post("/v1/sessions/ses_unknown/messages", Map.of("prompt", "say hi")).status()).isEqualTo(404);
        assertThat(m.post("/v1/runs", Map.of("prompt", "say hi", "sessionId", "ses_unknown")).status()).isEqualTo(404);
        assertThat(m.post("/v1/runs", Map.of("prompt", "say hi", "sessionId", id, "workspaceId", server.defaultWorkspace())).errorMessage())
                .contains("'workspaceId' must be the session's workspace");
        assertThat(m.get("/v1/runs?sessionId=" + id).json().get("data")).as("nothing stored").isEmpty();
        assertThat(m.get("/v1/sessions/" + id).json().get("turns").asInt()).isZero();
        assertThat(m.get("/v1/sessions?status=open").errorMessage()).contains("'status' must be one of");
    }
}
