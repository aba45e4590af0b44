package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.Cluster;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ScriptedModel;
import io.agentbox.server.support.Sse;
import io.agentbox.server.support.TestServer;
import io.agentbox.server.support.WebSockets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Two and three {@code agentbox serve} nodes on one PostgreSQL database. */
class MultiNodeTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private ScriptedModel model;
    private Cluster cluster;

    @BeforeEach
    void start() throws IOException {
        model = ScriptedModel.start();
        cluster = new Cluster(model);
    }

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
        if (model != null) model.close();
    }

    private static String post(Http http, String ws, String prompt) {
        var r = http.post("/v1/runs", Map.of("prompt", prompt, "workspaceId", ws));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    private static JsonNode runs(Http http, String ws) {
        return http.get("/v1/runs?limit=200&workspaceId=" + ws).json().get("data");
    }

    private static Map<String, Integer> runningByNode(Http http, String... workspaces) {
        Map<String, Integer> out = new HashMap<>();
        for (String ws : workspaces) {
            for (JsonNode r : runs(http, ws)) {
                String st = r.get("status").asText();
                if (st.equals("running") || st.equals("booting")) out.merge(r.path("nodeId").asText("?"), 1, Integer::sum);
            }
        }
        return out;
    }

    private static long inFlight(Http http, String ws) {
        return runningByNode(http, ws).values().stream().mapToInt(Integer::intValue).sum();
    }

    private static JsonNode awaitStatus(Http http, String id, String status) {
        return Poll.until(WAIT, () -> http.get("/v1/runs/" + id).json(), r -> r.get("status").asText().equals(status),
                "run " + id + " " + status);
    }

    @Test
    void runsSpreadByCapacityAndAWorkspaceQuotaHoldsOverAllNodes() {
        for (int i = 0; i < 3; i++) cluster.start(b -> b.maxConcurrentRuns(2));
        var a = cluster.node(0).tenant("spread-a");
        var b = cluster.node(0).tenant("spread-b");
        a.admin().patch("/v1/workspaces/" + a.workspaceId(), Map.of("maxConcurrentRuns", 3));
        b.admin().patch("/v1/workspaces/" + b.workspaceId(), Map.of("maxConcurrentRuns", 10));
        String gate = "g-" + UUID.randomUUID();
        List<String> ids = new ArrayList<>();
        // every node takes submissions: the quota of A (3) must hold although each node alone would allow more
        for (int i = 0; i < 6; i++) ids.add(post(cluster.on(i % 3, a.member()), a.workspaceId(), "hold " + gate));
        for (int i = 0; i < 4; i++) ids.add(post(cluster.on(i % 3, b.member()), b.workspaceId(), "hold " + gate));

        Http viewer = a.owner();
        Map<String, Integer> byNode = Poll.until(WAIT, () -> runningByNode(viewer, a.workspaceId(), b.workspaceId()),
                m -> m.values().stream().mapToInt(Integer::intValue).sum() == 6, "all six slots of the three nodes taken");
        assertThat(byNode).as("each node runs as many as its capacity, no more").containsOnlyKeys("node-0", "node-1", "node-2")
                .allSatisfy((node, n) -> assertThat(n).isEqualTo(2));
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < until) {
            assertThat(inFlight(viewer, a.workspaceId())).as("workspace A's quota over all nodes").isLessThanOrEqualTo(3);
            assertThat(runningByNode(viewer, a.workspaceId(), b.workspaceId()).values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2));
        }
        assertThat(inFlight(viewer, a.workspaceId())).isEqualTo(3);

        model.release(gate);
        for (String id : ids) awaitStatus(viewer, id, "succeeded");
    }

    @Test
    void theDailyBudgetHoldsOverAllNodes() {
        cluster.start(b -> b);
        cluster.start(b -> b);
        var t = cluster.node(0).tenant("budget");
        t.admin().patch("/v1/workspaces/" + t.workspaceId(), Map.of("dailyBudgetUsd", 0.05));
        String first = post(cluster.on(0, t.member()), t.workspaceId(), "cost 0.03; succeed");
        awaitStatus(t.member(), first, "succeeded");
        String second = post(cluster.on(1, t.member()), t.workspaceId(), "cost 0.03; succeed");
        awaitStatus(t.member(), second, "succeeded");
        for (int i = 0; i < 2; i++) {
            var refused = cluster.on(i, t.member()).post("/v1/runs", Map.of("prompt", "succeed", "workspaceId", t.workspaceId()));
            assertThat(refused.status()).as("node-" + i + " sees what the other node's runs spent").isEqualTo(402);
            assertThat(refused.errorCode()).isEqualTo("budget_exceeded");
        }
    }

    @Test
    void eventsCancelAndSessionTurnsWorkThroughANodeThatDoesNotRunTheRun() {
        TestServer first = cluster.start(b -> b);
        Http owner0 = first.owner();
        String gate = "g-" + UUID.randomUUID();
        String held = owner0.post("/v1/runs", Map.of("prompt", "emit 3; hold " + gate + "; say done")).json().get("id").asText();
        String sleeper = owner0.post("/v1/runs", Map.of("prompt", "bash sleep 600")).json().get("id").asText();
        awaitStatus(owner0, held, "running");
        awaitStatus(owner0, sleeper, "running");
        cluster.start(b -> b); // node-1 starts after node-0 took both runs
        Http owner1 = cluster.on(1, owner0);
        assertThat(owner1.get("/v1/runs/" + held).json().get("nodeId").asText()).isEqualTo("node-0");

        // SSE and WebSocket through node-1 follow a run of node-0 live, to its end
        try (Sse sse = new Sse(owner1.stream(owner1.request("/v1/runs/" + held + "/events").header("Accept", "text/event-stream")
                .timeout(WAIT).GET().build()).body());
             WebSockets ws = WebSockets.open(owner1, "/v1/runs/" + held + "/ws")) {
            Poll.until(WAIT, () -> sse.next().map(Sse.Frame::event).orElse("end"), e -> e.equals("text") || e.equals("end"), "the first text over SSE");
            model.release(gate);
            List<Sse.Frame> rest = sse.rest();
            assertThat(rest.getLast().event()).isEqualTo("run.completed");
            List<JsonNode> frames = ws.until(f -> f.has("seq") && f.get("type").asText().equals("run.completed"), WAIT);
            assertThat(frames.getLast().get("seq").asLong()).isEqualTo(rest.getLast().seq());
        }

        // cancel through node-1: node-0 stops the run and kills its sandbox
        String sandbox = owner1.get("/v1/runs/" + sleeper).json().get("sandboxId").asText();
        var canceled = owner1.post("/v1/runs/" + sleeper + "/cancel", Map.of("reason", "from the other node"));
        assertThat(canceled.status()).isEqualTo(200);
        assertThat(awaitStatus(owner1, sleeper, "canceled").get("nodeId").asText()).isEqualTo("node-0");
        Poll.until(WAIT, () -> io.agentbox.sandbox.Sandboxes.local(cluster.dataDir(0)).list(io.agentbox.sandbox.SandboxQuery.ALL).stream()
                .noneMatch(i -> i.id().equals(sandbox)), gone -> gone, "the canceled run's sandbox on node-0 gone");

        // a session's turns, sent through either node, run where its sandbox is: the files carry over
        String session = owner1.post("/v1/sessions", Map.of()).json().get("id").asText();
        String turn1 = owner1.post("/v1/sessions/" + session + "/messages", Map.of("prompt", "bash echo kept > /workspace/f.txt; succeed"))
                .json().get("id").asText();
        JsonNode r1 = awaitStatus(owner1, turn1, "succeeded");
        int home = r1.get("nodeId").asText().equals("node-0") ? 0 : 1;
        Http other = cluster.on(1 - home, owner0);
        String turn2 = other.post("/v1/sessions/" + session + "/messages", Map.of("prompt", "bash cat /workspace/f.txt; succeed"))
                .json().get("id").asText();
        JsonNode r2 = awaitStatus(other, turn2, "succeeded");
        assertThat(r2.get("nodeId").asText()).as("the turn ran on the session's node").isEqualTo("node-" + home);
        assertThat(r2.get("sandboxId").asText()).isEqualTo(r1.get("sandboxId").asText());
        String events = other.get("/v1/runs/" + turn2 + "/events?follow=false").body();
        assertThat(events).contains("kept");
    }
}
