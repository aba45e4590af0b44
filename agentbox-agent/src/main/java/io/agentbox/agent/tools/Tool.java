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
    /** What a tool built with {@link Tool#of} does with a call. */
    @FunctionalInterface
    interface Handler {
        ToolOutput call(JsonNode input, ToolContext context);
    }

    /**
     * A custom tool in one expression; it may change things ({@link ToolAccess#EXECUTE}), so permission modes
     * treat it like Bash. Use {@link #of(String, String, ObjectNode, ToolAccess, Handler)} for a read-only one.
     */
    static Tool of(String name, String description, ObjectNode inputSchema, Handler handler) {
        return of(name, description, inputSchema, ToolAccess.EXECUTE, handler);
    }

    static Tool of(String name, String description, ObjectNode inputSchema, ToolAccess access, Handler handler) {
        return new FunctionTool(name, description, inputSchema, access, handler);
    }

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
