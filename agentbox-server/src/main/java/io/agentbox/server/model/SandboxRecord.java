package io.agentbox.server.model;

import java.time.Instant;
import java.util.Optional;

/**
 * The server's bookkeeping of a sandbox it created: which workspace owns it, what it serves, and its
 * memory limit (for the workspace's memory quota).
 */
public record SandboxRecord(String id, String workspaceId, String createdBy, Kind kind, Optional<String> ownerId,
                            String template, Instant createdAt, Optional<Instant> endedAt, Optional<String> endReason,
                            long memoryMb) {
    public enum Kind { RAW, RUN, SESSION }
}
