package io.agentbox.agent;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;

/** The agent cannot start as configured (e.g. no API key); nothing was sent to the model. */
public final class ConfigException extends AgentboxException {
    public ConfigException(String message) {
        super(ErrorCategory.CONFIG, message);
    }
}
