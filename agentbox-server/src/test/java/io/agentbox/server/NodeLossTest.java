package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.ChildServer;
import io.agentbox.server.support.Cluster;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ScriptedModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node killed with -9 while it runs a run: a surviving node on the same database fails the run
 * ("node lost") within heartbeat-timeout + reaper-interval (+ one heartbeat), and when the lost node
 * comes back, its sandboxes of before (the run's, and the warm pool's) are gone.
 */
class NodeLossTest {
    /** Heartbeat timeout 3 s + reaper interval 0.5 s + heartbeat 0.2 s, with room for a loaded machine. */
    private static final Duration RECONCILED_WITHIN = Duration.ofSeconds(10);
    private ScriptedModel model;
    private Cluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
        if (model != null) model.close();
    }

    private static boolean processAlive(String pattern) {
        try {
            return new ProcessBuilder("pgrep", "-f", pattern).start().waitFor() == 0;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> stateDirs(Path data) {
        try (Stream<Path> s = Files.list(data.resolve("sandboxes"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("sbx_")).collect(Collectors.toSet());
        } catch (IOException e) {
            return Set.of();
        }
    }

    @Test
    void aSurvivorFailsTheLostNodesRunsAndTheLostNodesSandboxesAreGoneWhenItRestarts() throws Exception {
        model = ScriptedModel.start();
        cluster = new Cluster(model);
        Path lostDir = cluster.dir().resolve("lost");
        Files.createDirectories(lostDir);
        Path lostData = lostDir.resolve("data");
        Map<String, String> env = new HashMap<>();
        env.put("AGENTBOX_HOME", lostData.toString());
        env.put("AGENTBOX_PORT", "0");
        env.put("AGENTBOX_E2B_PORT", "off");
        env.put("AGENTBOX_BOOTSTRAP_KEY", cluster.ownerKey());
        env.put("AGENTBOX_NODE_ID", "node-lost");
        env.put("AGENTBOX_DB_URL", cluster.dbUrl());
        env.put("AGENTBOX_DB_USER", cluster.dbUser());
        env.put("AGENTBOX_LOG_FILE", lostDir.resolve("server.log").toString());
        env.put("AGENTBOX_SHUTDOWN_GRACE", "1s");
        env.put("AGENTBOX_HEARTBEAT_INTERVAL", "200ms");
        env.put("AGENTBOX_HEARTBEAT_TIMEOUT", "3s");
        env.put("AGENTBOX_REAPER_INTERVAL", "500ms");
        env.put("AGENTBOX_POOL", "host=1");
        env.put("ANTHROPIC_BASE_URL", model.baseUrl());
        env.put("ANTHROPIC_API_KEY", ScriptedModel.API_KEY);
        String marker = "sleep " + (700_000 + (int) (Math.random() * 99_999));

        String runId;
        Set<String> before;
        try (ChildServer lost = ChildServer.start(env, lostDir.resolve("child.log"))) {
            Http http = lost.client(cluster.ownerKey());
            runId = http.post("/v1/runs", Map.of("prompt", "bash " + marker)).json().get("id").asText();
            Poll.until(Duration.ofSeconds(60), () -> processAlive(marker), alive -> alive, "the run's command running on node-lost");
            before = Poll.until(Duration.ofSeconds(30), () -> stateDirs(lostData), s -> s.size() == 2, "the run's sandbox and one pooled");
            cluster.start(b -> b); // the survivor, node-0
            lost.kill9();
        }
        long killedAt = System.nanoTime();
        Http survivor = cluster.node(0).owner();
        JsonNode failed = Poll.until(RECONCILED_WITHIN, () -> survivor.get("/v1/runs/" + runId).json(),
                r -> r.get("status").asText().equals("failed"), "the survivor to fail the lost node's run");
        Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
        assertThat(failed.at("/error/message").asText()).startsWith("node lost: node-lost");
        assertThat(failed.get("nodeId").asText()).isEqualTo("node-lost");
        assertThat(took).isLessThan(RECONCILED_WITHIN);
        String events = survivor.get("/v1/runs/" + runId + "/events?follow=false").body();
        assertThat(events).contains("run.failed").contains("node lost");
        assertThat(processAlive(marker)).as("the lost node's sandbox lives on until that node returns").isTrue();

        try (ChildServer back = ChildServer.start(env, lostDir.resolve("child.log"))) {
            Poll.until(Duration.ofSeconds(30), () -> processAlive(marker), alive -> !alive, "the run's process to be gone after the restart");
            Set<String> after = stateDirs(lostData);
            assertThat(after).as("no sandbox of before the crash, pooled or not").doesNotContainAnyElementsOf(before);
            assertThat(back.client(cluster.ownerKey()).get("/v1/runs/" + runId).json().get("status").asText()).isEqualTo("failed");
        }
    }
}
