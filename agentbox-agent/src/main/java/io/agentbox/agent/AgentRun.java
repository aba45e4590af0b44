package io.agentbox.agent;

import java.time.Duration;
import java.util.Optional;

/** A run in progress ({@link Agent#start}). */
public interface AgentRun {
    String runId();

    String sessionId();

    /**
     * Stops the run: the model stream is aborted and every sandbox process of the run is killed,
     * within a second. The run ends {@code canceled}. No-op once it has ended.
     */
    void cancel(String reason);

    default void cancel() {
        cancel("canceled by the user");
    }

    /** Waits for the end. */
    AgentResult await();

    /** Waits at most {@code timeout}; empty if still running. */
    Optional<AgentResult> await(Duration timeout);
}
