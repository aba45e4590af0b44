package io.agentbox.sandbox;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;

/** A sandbox could not be created, reached or used. */
public class SandboxException extends AgentboxException {
    public SandboxException(String message) {
        super(ErrorCategory.SANDBOX_ERROR, message);
    }

    public SandboxException(String message, Throwable cause) {
        super(ErrorCategory.SANDBOX_ERROR, message, cause);
    }
}
