package io.agentbox.agent;

import io.agentbox.ErrorCategory;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a run ended.
 *
 * @param result the model's final text ("" when the run ended before one)
 * @param turns  model calls made
 * @param error  set when {@code status} is {@code failed} or {@code canceled}
 */
public record AgentResult(String runId, String sessionId, RunStatus status, String result, int turns, Duration duration,
                          Usage usage, Cost cost, Optional<Error> error) {

    /** Why a run did not succeed. */
    public record Error(ErrorCategory category, String message) {}

    public AgentResult {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(error, "error");
    }

    public boolean isSuccess() {
        return status == RunStatus.SUCCEEDED;
    }

    /** The result a terminal event ({@code run.completed|failed|canceled}) describes. */
    public static AgentResult of(Event terminal, String sessionId, String lastText) {
        return switch (terminal.data()) {
            case EventData.RunCompleted c -> new AgentResult(terminal.runId(), sessionId, RunStatus.SUCCEEDED, c.result(),
                    c.turns(), Duration.ofMillis(c.durationMs()), c.usage(), c.cost(), Optional.empty());
            case EventData.RunFailed f -> new AgentResult(terminal.runId(), sessionId, RunStatus.FAILED, lastText,
                    f.turns(), Duration.ofMillis(f.durationMs()), f.usage(), f.cost(),
                    Optional.of(new Error(f.category(), f.message())));
            case EventData.RunCanceled c -> new AgentResult(terminal.runId(), sessionId, RunStatus.CANCELED, lastText,
                    c.turns(), Duration.ofMillis(c.durationMs()), c.usage(), c.cost(),
                    Optional.of(new Error(ErrorCategory.CANCELED, c.reason())));
            default -> throw new IllegalArgumentException("not a terminal event: " + terminal.type());
        };
    }
}
