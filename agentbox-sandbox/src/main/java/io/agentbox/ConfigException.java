package io.agentbox;

/**
 * agentbox cannot start as configured: a setting is missing, unknown or malformed (no API key, a bad
 * server setting). The message names the setting and where it came from; nothing was started.
 */
public final class ConfigException extends AgentboxException {
    public ConfigException(String message) {
        super(ErrorCategory.CONFIG, message);
    }
}
