package io.agentbox.server.model;

import java.time.Instant;
import java.util.Optional;

/** A stored API key: only the SHA-256 of its secret part is kept. */
public record ApiKey(String id, String principalId, String name, String secretHash, Instant createdAt,
                     Optional<Instant> lastUsedAt, Optional<Instant> revokedAt) {
    public boolean revoked() {
        return revokedAt.isPresent();
    }
}
