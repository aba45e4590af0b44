package io.agentbox.server.model;

import java.time.Instant;
import java.util.Optional;

/**
 * A multi-turn conversation whose runs share one sandbox. The conversation itself (the API messages)
 * is stored beside it and read only by the run executor; {@code usageJson}/{@code costJson} are the
 * totals over its runs.
 */
public record Session(String id, String workspaceId, String createdBy, Status status, Optional<String> model,
                      String template, String optionsJson, Optional<String> sandboxId, int turns, Instant createdAt,
                      Instant lastActivityAt, Optional<Instant> endedAt, Optional<String> endReason,
                      Optional<String> usageJson, Optional<String> costJson, double costUsd) {
    public enum Status { ACTIVE, ENDED }

    /** A new active session without a sandbox (it is created with the first message's run). */
    public static Session open(String id, String workspaceId, String createdBy, Optional<String> model, String template,
                               String optionsJson, Instant now) {
        return new Session(id, workspaceId, createdBy, Status.ACTIVE, model, template, optionsJson, Optional.empty(), 0,
                now, now, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0);
    }
}
