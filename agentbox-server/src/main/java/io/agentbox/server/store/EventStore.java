package io.agentbox.server.store;

import io.agentbox.server.model.RunEvent;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The append-only event log of each run; sequence numbers are gapless per run, starting at 1. */
public interface EventStore {
    /**
     * Appends a non-terminal event; empty when the run has already ended (its terminal event is always its
     * last) or does not exist.
     */
    Optional<RunEvent> append(String runId, String type, String dataJson, Instant now);

    /** Events with {@code seq > afterSeq}, in order, at most {@code limit}. */
    List<RunEvent> after(String runId, long afterSeq, int limit);

    long lastSeq(String runId);
}
