package io.agentbox.testkit;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;

/** A script file that cannot be read or does not follow the JSON script format. */
public class ScriptException extends AgentboxException {
    public ScriptException(String message) {
        super(ErrorCategory.CONFIG, message);
    }

    public ScriptException(String message, Throwable cause) {
        super(ErrorCategory.CONFIG, message, cause);
    }
}
