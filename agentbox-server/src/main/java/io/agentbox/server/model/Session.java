package io.agentbox.server.model;

import java.time.Instant;
import java.util.Optional;

/** A multi-turn conversation whose runs share one sandbox. */
public record Session(String id, String workspaceId, String createdBy, Status status, Optional<String> model,
                      String template, String optionsJson, Optional<String> sandboxId, int turns, Instant createdAt,
                      Instant lastActivityAt, Optional<Instant> endedAt, Optional<String> endReason) {
    public enum Status { ACTIVE, ENDED }
}
