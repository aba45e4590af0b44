package io.agentbox;

import java.util.Locale;

/** Typed failure categories shared by sandboxes, agents, events and the HTTP API. */
public enum ErrorCategory {
    TIMEOUT,
    API_AUTH,
    API_RATE_LIMIT,
    API_OVERLOADED,
    API_ERROR,
    TOOL_ERROR,
    SANDBOX_ERROR,
    MAX_TURNS,
    BUDGET_EXCEEDED,
    CANCELED,
    CONFIG,
    INTERNAL;

    /** The wire name, e.g. {@code api_rate_limit}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ErrorCategory fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
