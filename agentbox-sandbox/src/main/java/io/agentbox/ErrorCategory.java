package io.agentbox;

import java.util.Locale;

/**
 * The typed category of a failure, which callers branch on instead of parsing messages. Events, JSON
 * results and the HTTP API show its {@link #wireName() wire name} (e.g. {@code sandbox_error}).
 *
 * <p>Open to other modules, as {@link java.nio.file.OpenOption} is: the categories any part of agentbox
 * can fail with are {@link Common} (and the constants here); the agent module adds its own
 * ({@code io.agentbox.agent.AgentErrorCategory}: model API errors, turn and budget limits, timeouts).
 */
public interface ErrorCategory {
    /** The sandbox could not be created or used. */
    ErrorCategory SANDBOX_ERROR = Common.SANDBOX_ERROR;
    /** Canceled by its caller (Ctrl-C, a cancel request, a closed connection). */
    ErrorCategory CANCELED = Common.CANCELED;
    /** A bad configuration, request or usage; nothing was started. */
    ErrorCategory CONFIG = Common.CONFIG;
    /** A failure of no other kind (a bug, an I/O failure). */
    ErrorCategory INTERNAL = Common.INTERNAL;

    /** The wire name, e.g. {@code sandbox_error}: lower case, words joined by {@code _}. */
    String wireName();

    /** The categories every module shares. */
    enum Common implements ErrorCategory {
        SANDBOX_ERROR, CANCELED, CONFIG, INTERNAL;

        @Override
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
