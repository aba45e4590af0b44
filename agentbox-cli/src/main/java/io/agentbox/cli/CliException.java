package io.agentbox.cli;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;

/** A failure found by a command itself (e.g. "no such process"), reported as one line with a chosen exit code. */
public final class CliException extends AgentboxException {
    private final int exitCode;

    public CliException(ErrorCategory category, String message) {
        this(category, message, Main.EXIT_FAILURE);
    }

    public CliException(ErrorCategory category, String message, int exitCode) {
        super(category, message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
