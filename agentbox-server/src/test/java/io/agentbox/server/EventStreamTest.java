package io.agentbox.server;

import io.agentbox.server.runs.RunExecutor;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ScriptedRuns;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.Sse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class EventStreamTest extends ServerTestBase {
    private final ScriptedRuns runs = new ScriptedRuns();

    @Override
    protected Optional<RunExecutor> executor() {
        return Optional.of(runs);
    }

    @Override
    protected ServerConfig.Builder configure(ServerConfig.Builder b) {
        return b.sseKeepAlive(Duration.ofSeconds(1));
    }

    private String start(Http http, String prompt) {
        var r = http.post("/v1/runs", Map.of("prompt", prompt));
        assertThat(r.status()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    private Sse open(Http http, String path, String lastEventId) {
        var req = http.request(path).header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60));
        if (lastEventId != null) req.header("Last-Event-ID", lastEventId);
        var res = http.stream(req.GET().build());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return new Sse(res.body());
    }

    @Test
    void framesCarryIdEventAndTheEventJsonAndEndAfterTheTerminalEvent() {
        String id = start(server.owner(), "emit 5; succeed");
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events", null)) {
            List<Sse.Frame> frames = sse.rest();
            assertThat(frames).hasSize(6);
            assertThat(frames).extracting(Sse.Frame::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            for (Sse.Frame f : frames) {
                var json = f.json();
                assertThat(json.get("seq").asLong()).isEqualTo(f.seq());
                assertThat(json.get("type").asText()).isEqualTo(f.event());
                assertThat(json.get("runId").asText()).isEqualTo(id);
                assertThat(json.get("ts").asText()).isNotBlank();
                assertThat(json.get("data").isObject()).isTrue();
            }
            assertThat(frames.get(0).event()).isEqualTo("text.delta");
            assertThat(frames.get(5).event()).isEqualTo("run.completed");
            assertThat(frames.get(5).json().get("data").get("result").asText()).isEqualTo("done");
        }
    }

    @Test
    void resumesFromAfterAndFromLastEventIdWithoutGapOrDuplicate() {
        String id = start(server.owner(), "emit 20; succeed");
        Poll.until(Duration.ofSeconds(10), () -> server.owner().get("/v1/runs/" + id).json().get("status").asText(),
                "succeeded"::equals, "run end");
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events?after=7", null)) {
            assertThat(sse.rest()).extracting(Sse.Frame::seq).containsExactlyElementsOf(LongStream.rangeClosed(8, 21).boxed().toList());
        }
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events?after=2", "15")) {
            assertThat(sse.rest()).as("Last-Event-ID wins over ?after").extracting(Sse.Frame::seq)
                    .containsExactlyElementsOf(LongStream.rangeClosed(16, 21).boxed().toList());
        }
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events?after=21", null)) {
            assertThat(sse.rest()).isEmpty();
        }
    }

    @Test
    void reconnectingWhileTheRunProducesLosesAndRepeatsNothing() {
        String id = start(server.owner(), "emit 30; pause 150; emit 30; pause 150; emit 30; succeed");
        List<Long> seen = new ArrayList<>();
        String last = null;
        boolean ended = false;
        while (!ended) {
            try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events", last)) {
                for (int i = 0; i < 7; i++) {
                    Optional<Sse.Frame> f = sse.next();
                    if (f.isEmpty()) {
                        ended = true;
                        break;
                    }
                    seen.add(f.get().seq());
                    last = f.get().id();
                    if (f.get().event().equals("run.completed")) {
                        ended = true;
                        break;
                    }
                }
            }
        }
        assertThat(seen).containsExactlyElementsOf(LongStream.rangeClosed(1, 91).boxed().toList());
    }

    @Test
    void followsLiveEventsAndSendsKeepAliveComments() {
        String gate = "go-" + java.util.UUID.randomUUID();
        String id = start(server.owner(), "emit 2; hold " + gate + "; emit 2; succeed");
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events", null)) {
            assertThat(sse.next().orElseThrow().seq()).isEqualTo(1);
            assertThat(sse.next().orElseThrow().seq()).isEqualTo(2);
            Thread.ofVirtual().start(() -> {
                Poll.until(Duration.ofSeconds(10), sse::comments, c -> c.contains("keep-alive"), "a keep-alive comment");
                runs.release(gate);
            });
            List<Sse.Frame> rest = sse.rest();
            assertThat(rest).extracting(Sse.Frame::seq).containsExactly(3L, 4L, 5L);
            assertThat(sse.comments()).contains("keep-alive");
        }
    }

    @Test
    void followFalseReplaysAndCloses() {
        String id = start(server.owner(), "emit 3; hold never");
        Poll.until(Duration.ofSeconds(10), () -> server.owner().get("/v1/runs/" + id + "/events?follow=false").body(),
                b -> b.contains("id: 3"), "three events");
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events?follow=false", null)) {
            assertThat(sse.rest()).extracting(Sse.Frame::seq).containsExactly(1L, 2L, 3L);
        }
        assertThat(server.owner().post("/v1/runs/" + id + "/cancel", Map.of()).json().get("status").asText()).isEqualTo("canceled");
    }

    @Test
    void canceledRunStreamEndsWithRunCanceled() {
        String id = start(server.owner(), "emit 1; hold never");
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events", null)) {
            assertThat(sse.next().orElseThrow().seq()).isEqualTo(1);
            server.owner().post("/v1/runs/" + id + "/cancel", Map.of("reason", "stop"));
            List<Sse.Frame> rest = sse.rest();
            assertThat(rest).extracting(Sse.Frame::event).containsExactly("run.canceled");
            assertThat(rest.get(0).json().get("data").get("reason").asText()).isEqualTo("stop");
        }
    }

    @Test
    void invalidResumePositionsAre400() {
        String id = start(server.owner(), "succeed");
        assertThat(server.owner().get("/v1/runs/" + id + "/events?after=-1").status()).isEqualTo(400);
        assertThat(server.owner().get("/v1/runs/" + id + "/events?after=x").status()).isEqualTo(400);
        var r = server.owner().send(server.owner().request("/v1/runs/" + id + "/events").header("Last-Event-ID", "abc").GET().build());
        assertThat(r.status()).isEqualTo(400);
    }
}
