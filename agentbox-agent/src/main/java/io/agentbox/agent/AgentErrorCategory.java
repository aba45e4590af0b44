package io.agentbox.agent;

import io.agentbox.ErrorCategory;

import java.util.Locale;

/** The categories only an agent run fails with, beside the {@linkplain ErrorCategory.Common common} ones. */
public enum AgentErrorCategory implements ErrorCategory {
    /** The run reached its wall-clock limit. */
    TIMEOUT,
    /** The model API refused the key or token. */
    API_AUTH,
    /** The model API's rate limit, after the last retry. */
    API_RATE_LIMIT,
    /** The model API was overloaded, after the last retry. */
    API_OVERLOADED,
    /** Any other model API failure, after the last retry. */
    API_ERROR,
    /** A tool's server failed: an MCP server that is unavailable, stopped or unreachable. */
    TOOL_ERROR,
    /** The run reached its turn limit. */
    MAX_TURNS,
    /** The run spent its USD budget. */
    BUDGET_EXCEEDED;

    @Override
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The category of a wire name, common or the agent's, e.g. {@code api_rate_limit}.
     *
     * @throws IllegalArgumentException for a name that is neither
     */
    public static ErrorCategory fromWireName(String name) {
        String constant = name.toUpperCase(Locale.ROOT);
        for (AgentErrorCategory c : values()) if (c.name().equals(constant)) return c;
        return ErrorCategory.Common.valueOf(constant);
    }
}
