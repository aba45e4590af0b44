package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/**
 * A tool the model can call. Tools act only through the sandbox ({@link ToolContext#sandbox()}):
 * never on the host. A failure the model should see is an {@link ToolOutput#error} result, not an exception;
 * an exception becomes an error result too.
 */
public interface Tool {
    String name();

    String description();

    /** JSON Schema of the input object. */
    ObjectNode inputSchema();

    /** What the tool may change; drives permission modes and parallel execution. */
    ToolAccess access();

    ToolOutput call(JsonNode input, ToolContext context);

    /**
     * The part of a call that permission rules match, e.g. the command of {@code Bash(git:*)} or the
     * path of {@code Edit(src/**)}. Empty when the tool has none: then only rules without a specifier match.
     */
    default Optional<String> ruleSubject(JsonNode input) {
        return Optional.empty();
    }
}
