package io.agentbox.server.model;

import java.time.Instant;

/** One stored event of a run; {@code dataJson} is the event's {@code data} object as JSON text. */
public record RunEvent(String runId, long seq, Instant ts, String type, String dataJson) {
    public boolean terminal() {
        return type.equals("run.completed") || type.equals("run.failed") || type.equals("run.canceled");
    }
}
