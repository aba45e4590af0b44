package io.agentbox.agent.mcp;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of the MCP client: {@code startup} bounds starting a server, its handshake and listing its
 * tools; {@code call} bounds one tool call or resource read. A server that misses either is treated as
 * failed (and stopped), so a hung server costs one timeout, never a hung run.
 */
public record McpTimeouts(Duration startup, Duration call) {
    /** Claude Code's startup default; tool calls may take long, but not forever. */
    public static final McpTimeouts DEFAULT = new McpTimeouts(Duration.ofSeconds(30), Duration.ofMinutes(10));

    public McpTimeouts {
        Objects.requireNonNull(startup, "startup");
        Objects.requireNonNull(call, "call");
        if (startup.isNegative() || startup.isZero() || call.isNegative() || call.isZero()) {
            throw new IllegalArgumentException("MCP timeouts must be positive");
        }
    }
}
