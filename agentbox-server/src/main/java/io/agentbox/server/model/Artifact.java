package io.agentbox.server.model;

import java.time.Instant;
import java.util.Optional;

/** A file a run produced under {@code /workspace}, captured when the run ended. */
public record Artifact(String id, String runId, String workspaceId, String path, long size, String contentType,
                       String sha256, ReviewState reviewState, Optional<String> reviewedBy,
                       Optional<Instant> reviewedAt, Instant createdAt) {}
