package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.SandboxFileException;

import java.util.Optional;

/** Common ground of the built-ins: fixed name, description and schema; input errors become error results. */
abstract class SandboxTool implements Tool {
    /** Cap of what one call returns to the model, like Claude Code's. */
    static final int MAX_OUTPUT_CHARS = 30_000;

    private final String name;
    private final String description;
    private final ObjectNode schema;
    private final ToolAccess access;

    SandboxTool(String name, ToolAccess access, String description, Schema schema) {
        this.name = name;
        this.access = access;
        this.description = description;
        this.schema = schema.build();
    }

    @Override public final String name() { return name; }
    @Override public final String description() { return description; }
    @Override public final ObjectNode inputSchema() { return schema.deepCopy(); }
    @Override public final ToolAccess access() { return access; }

    @Override
    public final ToolOutput call(JsonNode input, ToolContext context) {
        try {
            return run(input == null || !input.isObject() ? io.agentbox.agent.event.Events.mapper().createObjectNode() : input, context);
        } catch (Schema.InvalidInput e) {
            return ToolOutput.error(e.getMessage());
        } catch (SandboxFileException e) {
            return ToolOutput.error(fileError(e));
        }
    }

    abstract ToolOutput run(JsonNode input, ToolContext context);

    /** What permission rules match for tools whose subject is one input field (a path, a command, a URL). */
    static Optional<String> subject(JsonNode input, String field) {
        return Optional.ofNullable(input.path(field).textValue());
    }

    /** The subject of tools that search a directory: their {@code path}, by default the working directory. */
    static Optional<String> directorySubject(JsonNode input) {
        return Optional.of(subject(input, "path").orElse("."));
    }

    static String fileError(SandboxFileException e) {
        return switch (e.reason()) {
            case NOT_FOUND -> "File does not exist: " + e.path();
            case IS_A_DIRECTORY -> e.path() + " is a directory, not a file (use LS to list it)";
            case NOT_A_DIRECTORY -> "Not a directory: " + e.path();
            case PERMISSION_DENIED -> "Permission denied: " + e.path();
            case REFUSED -> "Refused: " + e.getMessage();
            case NO_SPACE -> "No space left in the sandbox while writing " + e.path();
            default -> e.getMessage();
        };
    }

    /** Keeps the head and tail of long output, with a notice of what was cut. */
    static String cap(String text, int max) {
        if (text.length() <= max) return text;
        int half = max / 2;
        int cut = text.length() - 2 * half;
        return text.substring(0, half) + "\n\n[... " + cut + " characters truncated ...]\n\n" + text.substring(text.length() - half);
    }
}
