package io.agentbox.server.runs;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.RunStatus;

/** A status change the run state machine does not allow: a programming error, never a client's. */
public final class IllegalTransitionException extends AgentboxException {
    public IllegalTransitionException(RunStatus from, RunStatus to) {
        super(ErrorCategory.INTERNAL, from.terminal()
                ? "cannot leave terminal state '" + from.wireName() + "' (to '" + to.wireName() + "')"
                : "invalid run transition from '" + from.wireName() + "' to '" + to.wireName() + "'");
    }
}
