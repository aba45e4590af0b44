package io.agentbox.server.model;

import io.agentbox.agent.RunStatus;

import java.time.Instant;
import java.util.Optional;

/**
 * One run as stored. JSON-valued columns ({@code options}, {@code usage}, {@code cost}) stay JSON text:
 * the server stores and returns them, it never needs their fields.
 */
public record Run(
        String id,
        String workspaceId,
        Optional<String> sessionId,
        String createdBy,
        RunStatus status,
        String prompt,
        Optional<String> model,
        String template,
        String optionsJson,
        Optional<String> nodeId,
        Optional<String> sandboxId,
        Instant createdAt,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        Optional<Instant> heartbeatAt,
        Optional<Instant> deadlineAt,
        Optional<Instant> cancelRequestedAt,
        Optional<String> result,
        Optional<String> usageJson,
        Optional<String> costJson,
        double costUsd,
        Optional<Integer> turns,
        Optional<Long> durationMs,
        Optional<String> errorCategory,
        Optional<String> errorMessage) {

    /** A new queued run. */
    public static Run queued(String id, String workspaceId, Optional<String> sessionId, String createdBy, String prompt,
                             Optional<String> model, String template, String optionsJson, Instant now) {
        return new Run(id, workspaceId, sessionId, createdBy, RunStatus.QUEUED, prompt, model, template, optionsJson,
                Optional.empty(), Optional.empty(), now, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }
}
