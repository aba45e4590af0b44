package io.agentbox.agent.event;

import java.time.Instant;
import java.util.Objects;

/**
 * One step of a run, in the schema shared by the Java listener, JSONL output, SSE, WebSocket and
 * the database. {@code seq} is gapless per run, starting at 1. {@link Events} is the JSON codec.
 */
public record Event(long seq, String runId, Instant ts, EventData data) {
    public Event {
        if (seq < 1) throw new IllegalArgumentException("seq starts at 1, got " + seq);
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(ts, "ts");
        Objects.requireNonNull(data, "data");
    }

    public String type() {
        return data.type();
    }
}
