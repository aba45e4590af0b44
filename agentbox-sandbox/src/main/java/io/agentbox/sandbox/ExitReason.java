package io.agentbox.sandbox;

import java.util.Locale;

/** Why a command ended. Limit hits are typed, never guessed from output. */
public enum ExitReason {
    /** The process exited on its own; see the exit code. */
    EXITED,
    /** The process died from a signal it did not get from agentbox (see the signal number). */
    SIGNALED,
    /** The per-command timeout ended it. */
    TIMEOUT,
    /** The sandbox's memory limit ended it. */
    OOM,
    /** It was killed on request ({@link CommandHandle#kill}, a canceled run, or the sandbox ending). */
    KILLED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
