package io.agentbox.server;

import io.agentbox.server.support.ChildServer;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.Sse;
import io.agentbox.server.support.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** kill -9 of the server process in the middle of a run, then a restart on the same database. */
class CrashRecoveryTest {
    private Path dir;

    @AfterEach
    void cleanUp() {
        TestFiles.deleteRecursively(dir);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Db.class)
    void runsInFlightFailWithServerRestartedAndTheirEventsSurvive(Db db) throws Exception {
        dir = Files.createTempDirectory("agentbox-crash-");
        String key = "crash-key-" + UUID.randomUUID();
        Map<String, String> env = ChildServer.env(db, dir, key);
        String running;
        String queued;
        try (ChildServer first = ChildServer.start(env, dir.resolve("child.log"))) {
            Http http = first.client(key);
            running = http.post("/v1/runs", Map.of("prompt", "emit 5; hold never")).json().get("id").asText();
            Poll.until(Duration.ofSeconds(20), () -> http.get("/v1/runs/" + running + "/events?follow=false").body(),
                    b -> b.contains("id: 5"), "five events stored");
            http.patch("/v1/workspaces/" + http.get("/v1/me").json().at("/workspaces/0/id").asText(), Map.of("maxConcurrentRuns", 1));
            queued = http.post("/v1/runs", Map.of("prompt", "emit 1; succeed")).json().get("id").asText();
            assertThat(http.get("/v1/runs/" + running).json().get("status").asText()).isEqualTo("running");
            first.kill9();
        }
        try (ChildServer second = ChildServer.start(env, dir.resolve("child.log"))) {
            Http http = second.client(key);
            var run = http.get("/v1/runs/" + running).json();
            assertThat(run.get("status").asText()).isEqualTo("failed");
            assertThat(run.at("/error/category").asText()).isEqualTo("internal");
            assertThat(run.at("/error/message").asText()).isEqualTo("server restarted");
            try (Sse sse = new Sse(http.stream(http.request("/v1/runs/" + running + "/events").GET().build()).body())) {
                var frames = sse.rest();
                assertThat(frames).extracting(Sse.Frame::seq).containsExactlyElementsOf(LongStream.rangeClosed(1, 6).boxed().toList());
                assertThat(frames.get(5).event()).isEqualTo("run.failed");
            }
            var afterRestart = Poll.until(Duration.ofSeconds(20), () -> http.get("/v1/runs/" + queued).json(),
                    r -> r.get("status").asText().equals("succeeded"), "the queued run runs after the restart");
            assertThat(afterRestart.get("status").asText()).isEqualTo("succeeded");
            assertThat(http.get("/v1/runs?status=running").json().get("data")).isEmpty();
            assertThat(http.get("/v1/runs?status=booting").json().get("data")).isEmpty();
        }
    }
}
