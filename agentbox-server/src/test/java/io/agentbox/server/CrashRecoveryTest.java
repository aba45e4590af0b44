package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.server.support.ChildServer;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ScriptedModel;
import io.agentbox.server.support.Sse;
import io.agentbox.server.support.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** kill -9 of the server process in the middle of a run, then a restart on the same database. */
class CrashRecoveryTest {
    private Path dir;
    private ScriptedModel model;

    @AfterEach
    void cleanUp() {
        if (dir != null) {
            var provider = Sandboxes.local(dir.resolve("data"));
            provider.list(SandboxQuery.ALL).forEach(i -> provider.kill(i.id()));
        }
        if (model != null) model.close();
        TestFiles.deleteRecursively(dir);
    }

    private static boolean processAlive(String pattern) {
        try {
            return new ProcessBuilder("pgrep", "-f", pattern).start().waitFor() == 0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Db.class)
    void runsInFlightFailWithServerRestartedAndNothingOfThemRemains(Db db) throws Exception {
        dir = Files.createTempDirectory("agentbox-crash-");
        model = ScriptedModel.start();
        String key = "crash-key-" + UUID.randomUUID();
        // A command no other process on the machine runs: it identifies the run's process in the sandbox.
        String marker = "sleep " + (600_000 + (int) (Math.random() * 99_999));
        Map<String, String> env = ChildServer.env(db, dir, key);
        env.put("ANTHROPIC_BASE_URL", model.baseUrl());
        env.put("ANTHROPIC_API_KEY", ScriptedModel.API_KEY);
        String running;
        String queued;
        String sandboxId;
        List<String> beforeCrash;
        try (ChildServer first = ChildServer.start(env, dir.resolve("child.log"))) {
            Http http = first.client(key);
            running = http.post("/v1/runs", Map.of("prompt", "emit 5; bash " + marker)).json().get("id").asText();
            Poll.until(Duration.ofSeconds(30), () -> processAlive(marker), alive -> alive, "the run's command running in its sandbox");
            sandboxId = http.get("/v1/runs/" + running).json().get("sandboxId").asText();
            http.patch("/v1/workspaces/" + http.get("/v1/me").json().at("/workspaces/0/id").asText(), Map.of("maxConcurrentRuns", 1));
            queued = http.post("/v1/runs", Map.of("prompt", "emit 1; succeed")).json().get("id").asText();
            assertThat(http.get("/v1/runs/" + running).json().get("status").asText()).isEqualTo("running");
            beforeCrash = frames(http, running);
            assertThat(beforeCrash).hasSizeGreaterThan(10);
            first.kill9();
        }
        assertThat(processAlive(marker)).as("sandboxes outlive a dead server until reconciled").isTrue();
        try (ChildServer second = ChildServer.start(env, dir.resolve("child.log"))) {
            Http http = second.client(key);
            var run = http.get("/v1/runs/" + running).json();
            assertThat(run.get("status").asText()).isEqualTo("failed");
            assertThat(run.at("/error/category").asText()).isEqualTo("internal");
            assertThat(run.at("/error/message").asText()).isEqualTo("server restarted");
            assertThat(processAlive(marker)).as("no process of the run remains").isFalse();
            assertThat(Sandboxes.local(dir.resolve("data")).list(SandboxQuery.ALL)).as("its sandbox is gone")
                    .noneMatch(i -> i.id().equals(sandboxId));

            List<String> afterRestart = frames(http, running);
            assertThat(afterRestart.subList(0, beforeCrash.size())).as("every event written before the crash, unchanged")
                    .containsExactlyElementsOf(beforeCrash);
            assertThat(afterRestart).hasSize(beforeCrash.size() + 1);
            try (Sse sse = new Sse(http.stream(http.request("/v1/runs/" + running + "/events").GET().build()).body())) {
                var all = sse.rest();
                assertThat(all).extracting(Sse.Frame::seq).containsExactlyElementsOf(LongStream.rangeClosed(1, all.size()).boxed().toList());
                assertThat(all.getLast().event()).isEqualTo("run.failed");
            }
            JsonNode afterRestartRun = Poll.until(Duration.ofSeconds(30), () -> http.get("/v1/runs/" + queued).json(),
                    r -> r.get("status").asText().equals("succeeded"), "the queued run runs after the restart");
            assertThat(afterRestartRun.get("result").asText()).isEqualTo("0");
            assertThat(http.get("/v1/runs?status=running").json().get("data")).isEmpty();
            assertThat(http.get("/v1/runs?status=booting").json().get("data")).isEmpty();
        }
    }

    /** The run's stored events, each frame's data line. */
    private static List<String> frames(Http http, String runId) {
        List<String> out = new ArrayList<>();
        for (String line : http.get("/v1/runs/" + runId + "/events?follow=false").body().split("\n")) {
            if (line.startsWith("data: ")) out.add(line);
        }
        return out;
    }
}
