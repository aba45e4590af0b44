package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;

import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
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

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void framesCarryIdEventAndTheEventJsonAndEndAfterTheTerminalEvent() {
        String id = start(server.owner(), "emit 5; succeed");
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events", null)) {
            List<Sse.Frame> frames = sse.rest();
            assertThat(frames).extracting(Sse.Frame::event).containsExactly("run.started", "sandbox.ready",
                    "text.delta", "text.delta", "text.delta", "text.delta", "text.delta", "text", "usage", "run.completed");
            assertThat(frames).extracting(Sse.Frame::seq).containsExactlyElementsOf(range(1, 10));
            for (Sse.Frame f : frames) {
                var json = f.json();
                assertThat(json.get("seq").asLong()).isEqualTo(f.seq());
                assertThat(json.get("type").asText()).isEqualTo(f.event());
                assertThat(json.get("runId").asText()).isEqualTo(id);
                assertThat(json.get("ts").asText()).isNotBlank();
                assertThat(json.get("data").isObject()).isTrue();
            }
            assertThat(frames.get(0).json().at("/data/prompt").asText()).isEqualTo("emit 5; succeed");
            assertThat(frames.get(1).json().at("/data/sandboxId").asText())
                    .isEqualTo(server.owner().get("/v1/runs/" + id).json().get("sandboxId").asText());
            assertThat(frames.get(7).json().at("/data/text").asText()).isEqualTo("01234");
            assertThat(frames.get(9).json().get("data").get("result").asText()).isEqualTo("01234");
            assertThat(frames.get(9).json().at("/data/cost/total").isNumber()).isTrue();
        }
    }

    @Test
    void resumesFromAfterAndFromLastEventIdWithoutGapOrDuplicate() {
        String id = start(server.owner(), "emit 20; succeed");
        Poll.until(Duration.ofSeconds(30), () -> server.owner().get("/v1/runs/" + id).json().get("status").asText(),
                "succeeded"::equals, "run end");
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events?after=7", null)) {
            assertThat(sse.rest()).extracting(Sse.Frame::seq).containsExactlyElementsOf(range(8, 25));
        }
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events?after=2", "15")) {
            assertThat(sse.rest()).as("Last-Event-ID wins over ?after").extracting(Sse.Frame::seq)
                    .containsExactlyElementsOf(range(16, 25));
        }
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events?after=25", null)) {
            assertThat(sse.rest()).isEmpty();
        }
    }

    @Test
    void reconnectingWhileTheRunProducesLosesAndRepeatsNothing() {
        String id = start(server.owner(), "slow 90 5");
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
        assertThat(seen).containsExactlyElementsOf(range(1, 95));
    }

    @Test
    void followsLiveEventsAndSendsKeepAliveComments() {
        String gate = "go-" + java.util.UUID.randomUUID();
        String id = start(server.owner(), "emit 2; hold " + gate + "; emit 2");
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events", null)) {
            List<Long> seqs = new ArrayList<>();
            while (true) {
                Sse.Frame f = sse.next().orElseThrow();
                seqs.add(f.seq());
                if (f.event().equals("tool.result")) break;
            }
            Thread.ofVirtual().start(() -> {
                Poll.until(Duration.ofSeconds(10), sse::comments, c -> c.contains("keep-alive"), "a keep-alive comment");
                model.release(gate);
            });
            List<Sse.Frame> rest = sse.rest();
            rest.forEach(f -> seqs.add(f.seq()));
            assertThat(seqs).containsExactlyElementsOf(range(1, seqs.size()));
            assertThat(rest.getLast().event()).isEqualTo("run.completed");
            assertThat(rest.getLast().json().at("/data/result").asText()).isEqualTo("01");
            assertThat(sse.comments()).contains("keep-alive");
        }
    }

    @Test
    void followFalseReplaysAndCloses() {
        String id = start(server.owner(), "emit 3; hold never");
        Poll.until(Duration.ofSeconds(30), () -> server.owner().get("/v1/runs/" + id + "/events?follow=false").body(),
                b -> b.contains("event: tool.result"), "the first turn stored");
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events?follow=false", null)) {
            List<Sse.Frame> frames = sse.rest();
            assertThat(frames).extracting(Sse.Frame::seq).containsExactlyElementsOf(range(1, frames.size()));
            assertThat(frames).extracting(Sse.Frame::event).contains("text.delta", "tool.result").doesNotContain("run.completed");
        }
        assertThat(server.owner().post("/v1/runs/" + id + "/cancel", Map.of()).json().get("status").asText()).isEqualTo("canceled");
    }

    @Test
    void canceledRunStreamEndsWithRunCanceled() {
        String id = start(server.owner(), "emit 1; hold never");
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events", null)) {
            while (!sse.next().orElseThrow().event().equals("tool.result")) {
                // the first turn: its text and the tool call that brings the agent back
            }
            server.owner().post("/v1/runs/" + id + "/cancel", Map.of("reason", "stop"));
            List<Sse.Frame> rest = sse.rest();
            assertThat(rest.getLast().event()).isEqualTo("run.canceled");
            assertThat(rest.getLast().json().get("data").get("reason").asText()).isEqualTo("stop");
            assertThat(rest).extracting(Sse.Frame::event).doesNotContain("run.completed", "run.failed");
        }
        // the terminal event has the shape DESIGN.md promises, whoever ended the run: duration, turns, usage, cost
        try (Sse sse = open(server.owner(), "/v1/runs/" + id + "/events?follow=false", null)) {
            List<Sse.Frame> all = sse.rest();
            List<JsonNode> usages = all.stream().filter(f -> f.event().equals("usage")).map(f -> f.json().get("data")).toList();
            assertThat(usages).isNotEmpty();
            JsonNode end = all.getLast().json().get("data");
            assertThat(end.get("durationMs").asLong()).isPositive();
            assertThat(end.get("turns").asInt()).isEqualTo(usages.size());
            assertThat(end.at("/usage/outputTokens").asLong()).isEqualTo(usages.stream().mapToLong(u -> u.at("/usage/outputTokens").asLong()).sum())
                    .isPositive();
            assertThat(end.at("/cost/model").decimalValue()).isEqualByComparingTo(
                    usages.stream().map(u -> u.get("cost").decimalValue()).reduce(java.math.BigDecimal.ZERO, java.math.BigDecimal::add));
            JsonNode row = server.owner().get("/v1/runs/" + id).json();
            assertThat(row.get("turns").asInt()).isEqualTo(usages.size());
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
