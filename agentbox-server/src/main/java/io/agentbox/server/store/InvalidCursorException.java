package io.agentbox.server.store;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;

/** A list cursor that this server did not hand out. */
public final class InvalidCursorException extends AgentboxException {
    public InvalidCursorException() {
        super(ErrorCategory.CONFIG, "cursor is not valid");
    }
}
