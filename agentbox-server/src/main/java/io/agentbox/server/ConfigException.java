package io.agentbox.server;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;

/** A setting of the server is missing, unknown or malformed; the message names the setting and where it came from. */
public final class ConfigException extends AgentboxException {
    public ConfigException(String message) {
        super(ErrorCategory.CONFIG, message);
    }
}
