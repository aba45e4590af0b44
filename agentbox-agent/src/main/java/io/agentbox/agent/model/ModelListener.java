package io.agentbox.agent.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.ErrorCategory;

/** Receives a model call's stream as it arrives. */
public interface ModelListener {
    ModelListener NONE = new ModelListener() {};

    default void onTextDelta(String text) {}

    default void onThinkingDelta(String thinking) {}

    /** A content block is complete (text, thinking or tool_use, in API JSON). */
    default void onBlock(ObjectNode block) {}

    /**
     * An attempt failed and another follows after {@code delayMs}. Partial output of the failed
     * attempt was already streamed; the next attempt starts the message over.
     */
    default void onRetry(int attempt, int maxRetries, long delayMs, ErrorCategory category, int status, String message) {}
}
