package io.agentbox.sandbox;

import java.time.Instant;
import java.util.Map;

/** A snapshot of a live sandbox, as {@code info} and {@code list} report it. */
public record SandboxInfo(
        String id,
        String template,
        Instant createdAt,
        Instant expiresAt,
        Map<String, String> metadata,
        Resources resources,
        NetworkPolicy network,
        String workdir) {
    public SandboxInfo {
        metadata = Map.copyOf(metadata);
    }
}
