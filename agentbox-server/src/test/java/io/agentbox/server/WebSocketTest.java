package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.WebSockets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class WebSocketTest extends ServerTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Override
    protected ServerConfig.Builder configure(ServerConfig.Builder b) {
        return b.permissionTimeout(Duration.ofSeconds(3));
    }

    private static Predicate<JsonNode> event(String type) {
        return f -> f.has("seq") && f.get("type").asText().equals(type);
    }

    private static Predicate<JsonNode> answer(String forType) {
        return f -> !f.has("seq") && (f.get("type").asText().equals("ack") || f.get("type").asText().equals("error"))
                && f.path("for").asText().equals(forType);
    }

    private static String start(Http http, String prompt, Map<String, Object> options) {
        var r = http.post("/v1/runs", Map.of("prompt", prompt, "options", options));
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    private static List<String> sseData(Http http, String runId) {
        List<String> out = new ArrayList<>();
        for (String line : http.get("/v1/runs/" + runId + "/events?follow=false").body().split("\n")) {
            if (line.startsWith("data: ")) out.add(line.substring(6));
        }
        return out;
    }

    @Test
    void runSocketCarriesTheSseEventsResumesAndClosesAfterTheEnd() throws Exception {
        Http owner = server.owner();
        String id = start(owner, "emit 3; say done", Map.of());
        List<String> received = new ArrayList<>();
        try (WebSockets ws = WebSockets.open(owner, "/v1/runs/" + id + "/ws")) {
            ws.until(event("run.completed"), WAIT).forEach(f -> received.add(f.toString()));
            assertThat(ws.awaitClose(Duration.ofSeconds(5))).as("normal closure after the terminal event").isEqualTo(1000);
        }
        List<String> sse = sseData(owner, id);
        assertThat(received).hasSize(sse.size());
        for (int i = 0; i < sse.size(); i++) assertThat(Http.JSON.readTree(received.get(i))).isEqualTo(Http.JSON.readTree(sse.get(i)));
        try (WebSockets ws = WebSockets.open(owner, "/v1/runs/" + id + "/ws?after=4")) {
            List<JsonNode> rest = ws.until(event("run.completed"), WAIT);
            assertThat(rest.getFirst().get("seq").asLong()).isEqualTo(5);
            assertThat(rest).hasSize(sse.size() - 4);
        }
    }

    @Test
    void cancelOverTheSocketEndsTheRunAndItsSandbox() {
        Http owner = server.owner();
        String id = start(owner, "bash sleep 600", Map.of());
        try (WebSockets ws = WebSockets.open(owner, "/v1/runs/" + id + "/ws")) {
            ws.until(event("tool.call"), WAIT);
            String sandbox = owner.get("/v1/runs/" + id).json().get("sandboxId").asText();
            ws.send(Map.of("type", "cancel", "id", "c-1", "reason", "bored"));
            List<JsonNode> frames = ws.until(answer("cancel"), WAIT);
            JsonNode ack = frames.getLast();
            assertThat(ack.get("type").asText()).isEqualTo("ack");
            assertThat(ack.get("id").asText()).isEqualTo("c-1");
            assertThat(ack.at("/run/status").asText()).isEqualTo("canceled");
            assertThat(sandboxes().list(SandboxQuery.ALL)).noneMatch(i -> i.id().equals(sandbox));
            assertThat(frames.stream().filter(f -> f.has("seq")).toList().getLast().get("type").asText()).isEqualTo("run.canceled");
        }
    }

    @Test
    void permissionRequestsWaitForTheAnswerAndAreDeniedWhenNobodyAnswers() {
        Http owner = server.owner();
        String id = start(owner, "bash echo first-$((20+1)); bash echo second-$((40+2)); bash echo third-$((60+3)); say done",
                Map.of("permissionMode", "default"));
        try (WebSockets ws = WebSockets.open(owner, "/v1/runs/" + id + "/ws")) {
            JsonNode request = ws.until(event("permission.request"), WAIT).getLast();
            assertThat(request.at("/data/name").asText()).isEqualTo("Bash");
            ws.send(Map.of("type", "permission", "toolUseId", request.at("/data/id").asText(), "decision", "allow"));
            List<JsonNode> frames = ws.until(event("permission.request"), WAIT);
            assertThat(frames.stream().filter(answer("permission")).findFirst().orElseThrow().get("type").asText()).isEqualTo("ack");
            JsonNode allowed = frames.stream().filter(event("tool.result")).findFirst().orElseThrow();
            assertThat(allowed.at("/data/output").asText()).contains("first-21");
            assertThat(allowed.at("/data/isError").asBoolean()).isFalse();

            JsonNode second = frames.getLast();
            ws.send(Map.of("type", "permission", "toolUseId", second.at("/data/id").asText(), "decision", "deny", "message", "not today"));
            frames = ws.until(event("permission.request"), WAIT);
            JsonNode denied = frames.stream().filter(event("tool.result")).findFirst().orElseThrow();
            assertThat(denied.at("/data/isError").asBoolean()).isTrue();
            assertThat(denied.at("/data/output").asText()).contains("not today").doesNotContain("second-42");

            long asked = System.nanoTime();
            frames = ws.until(event("run.completed"), WAIT);
            JsonNode timedOut = frames.stream().filter(event("tool.result")).findFirst().orElseThrow();
            assertThat(timedOut.at("/data/isError").asBoolean()).isTrue();
            assertThat(timedOut.at("/data/output").asText()).contains("nobody answered").doesNotContain("third-63");
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        }
    }

    @Test
    void permissionsCanBeAnsweredOverHttpByTheRightPeopleOnly() {
        var t = server.tenant("permissions-http");
        String id = t.member().post("/v1/runs", Map.of("prompt", "bash echo asked-$((1+1)); say done", "workspaceId", t.workspaceId(),
                "options", Map.of("permissionMode", "default"))).json().get("id").asText();
        String body = Poll.until(WAIT, () -> t.member().get("/v1/runs/" + id + "/events?follow=false").body(),
                b -> b.contains("event: permission.request"), "the request");
        String toolUseId = body.replaceAll("(?s).*\"type\":\"permission.request\",\"data\":\\{\"id\":\"([^\"]+)\".*", "$1");
        String path = "/v1/runs/" + id + "/permissions/" + toolUseId;
        assertThat(t.viewer().post(path, Map.of("decision", "allow")).status()).isEqualTo(403);
        assertThat(t.member().post(path, Map.of("decision", "maybe")).errorMessage()).contains("'decision' must be one of allow, deny");
        assertThat(t.member().post(path, Map.of()).errorMessage()).contains("'decision' is required");
        assertThat(t.member().post("/v1/runs/" + id + "/permissions/toolu_other", Map.of("decision", "allow")).status()).isEqualTo(404);
        assertThat(t.admin().post(path, Map.of("decision", "allow")).status()).isEqualTo(204);
        assertThat(t.admin().post(path, Map.of("decision", "allow")).status()).as("answered already").isEqualTo(404);
        Poll.until(WAIT, () -> t.member().get("/v1/runs/" + id).json().get("status").asText(), "succeeded"::equals, "run end");
        assertThat(t.member().get("/v1/runs/" + id + "/events?follow=false").body()).contains("\"output\":\"asked-2");
    }

    @Test
    void sessionSocketSendsMessagesAndFollowsOneRunAfterTheOther() {
        Http owner = server.owner();
        String session = owner.post("/v1/sessions", Map.of()).json().get("id").asText();
        try (WebSockets ws = WebSockets.open(owner, "/v1/sessions/" + session + "/ws")) {
            ws.send(Map.of("type", "cancel"));
            assertThat(ws.until(answer("cancel"), WAIT).getLast().at("/error/code").asText()).as("nothing to cancel").isEqualTo("conflict");
            ws.send(Map.of("type", "message", "id", "m1", "prompt", "write /workspace/a.txt alpha; say one"));
            List<JsonNode> first = ws.until(event("run.completed"), WAIT);
            JsonNode ack = first.stream().filter(answer("message")).findFirst().orElseThrow();
            String run1 = ack.at("/run/id").asText();
            assertThat(ack.get("id").asText()).isEqualTo("m1");
            assertThat(first.stream().filter(f -> f.has("seq")).map(f -> f.get("runId").asText()).distinct()).containsExactly(run1);
            assertThat(first.getLast().at("/data/result").asText()).isEqualTo("one");

            String run2 = owner.post("/v1/sessions/" + session + "/messages", Map.of("prompt", "bash cat /workspace/a.txt; say two"))
                    .json().get("id").asText();
            List<JsonNode> second = ws.until(event("run.completed"), WAIT);
            assertThat(second.getFirst().get("runId").asText()).as("a message sent over HTTP shows up too").isEqualTo(run2);
            assertThat(second.getFirst().get("seq").asLong()).isEqualTo(1);
            assertThat(second.stream().filter(event("tool.result")).findFirst().orElseThrow().at("/data/output").asText()).contains("alpha");

            try (WebSockets resumed = WebSockets.open(owner, "/v1/sessions/" + session + "/ws?runId=" + run1 + "&after=3")) {
                List<JsonNode> replay = resumed.until(f -> event("run.completed").test(f) && f.get("runId").asText().equals(run2), WAIT);
                assertThat(replay.getFirst().get("seq").asLong()).isEqualTo(4);
                assertThat(replay.stream().map(f -> f.get("runId").asText()).distinct()).containsExactly(run1, run2);
            }
            owner.delete("/v1/sessions/" + session);
            assertThat(ws.awaitClose(Duration.ofSeconds(5))).isEqualTo(1000);
        }
    }

    @Test
    void badMessagesGetErrorFramesAndTheSocketStaysUsable() {
        var t = server.tenant("ws-validation");
        String id = t.member().post("/v1/runs", Map.of("prompt", "hold never", "workspaceId", t.workspaceId())).json().get("id").asText();
        assertThat(t.member().get("/v1/runs/" + id + "/ws").status()).as("not an upgrade").isEqualTo(426);
        assertThat(WebSockets.refusal(t.member().anonymous(), "/v1/runs/" + id + "/ws")).isEqualTo(401);
        assertThat(WebSockets.refusal(t.member(), "/v1/runs/run_nope/ws")).isEqualTo(404);
        assertThat(WebSockets.refusal(t.member(), "/v1/runs/" + id + "/ws?after=-2")).isEqualTo(400);
        try (WebSockets viewer = WebSockets.open(t.viewer(), "/v1/runs/" + id + "/ws");
             WebSockets ws = WebSockets.open(t.member(), "/v1/runs/" + id + "/ws")) {
            ws.until(event("run.started"), WAIT);
            record Case(Object message, String code, String text) {}
            for (Case c : List.of(
                    new Case("{not json", "invalid_json", "not valid JSON"),
                    new Case(Map.of("type", "dance"), "invalid_request", "'type' must be one of cancel, permission"),
                    new Case(Map.of("kind", "cancel"), "invalid_request", "'type' is required"),
                    new Case(Map.of("type", "cancel", "force", true), "invalid_request", "'force' is not recognized"),
                    new Case(Map.of("type", "message", "prompt", "hi"), "invalid_request", "'type' must be one of"),
                    new Case(Map.of("type", "permission", "decision", "allow"), "invalid_request", "'toolUseId' is required"),
                    new Case(Map.of("type", "permission", "toolUseId", "toolu_x", "decision", "allow"), "not_found", "permission request"))) {
                if (c.message() instanceof String raw) ws.sendRaw(raw);
                else ws.send(c.message());
                JsonNode err = ws.until(f -> !f.has("seq"), WAIT).getLast();
                assertThat(err.get("type").asText()).as("%s", c.message()).isEqualTo("error");
                assertThat(err.at("/error/code").asText()).as("%s", c.message()).isEqualTo(c.code());
                assertThat(err.at("/error/message").asText()).as("%s", c.message()).contains(c.text());
            }
            viewer.until(event("run.started"), WAIT);
            viewer.send(Map.of("type", "cancel"));
            assertThat(viewer.until(answer("cancel"), WAIT).getLast().at("/error/code").asText()).isEqualTo("forbidden");
            assertThat(t.member().get("/v1/runs/" + id).json().get("status").asText()).isIn("booting", "running");
            ws.send(Map.of("type", "cancel"));
            assertThat(ws.until(answer("cancel"), WAIT).getLast().at("/run/status").asText()).isEqualTo("canceled");
        }
    }
}
