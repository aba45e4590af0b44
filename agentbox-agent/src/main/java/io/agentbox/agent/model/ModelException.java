package io.agentbox.agent.model;

import io.agentbox.AgentboxException;
import io.agentbox.agent.AgentErrorCategory;

/** A model call failed for good ({@code api_auth}, {@code api_rate_limit}, {@code api_overloaded}, {@code api_error}). */
public final class ModelException extends AgentboxException {
    private final int status;
    private final boolean contextTooLong;

    public ModelException(AgentErrorCategory category, int status, String message, boolean contextTooLong) {
        super(category, message);
        this.status = status;
        this.contextTooLong = contextTooLong;
    }

    @Override
    public AgentErrorCategory category() {
        return (AgentErrorCategory) super.category();
    }

    /** The HTTP status, or 0 when there was none (connection failure, cut stream). */
    public int status() {
        return status;
    }

    /** The request did not fit the model's context window. */
    public boolean contextTooLong() {
        return contextTooLong;
    }
}
