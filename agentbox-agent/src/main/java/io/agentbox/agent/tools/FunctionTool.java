package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;
import java.util.regex.Pattern;

/** The tool behind {@link Tool#of}. */
record FunctionTool(String name, String description, ObjectNode schema, ToolAccess access, Handler handler) implements Tool {
    // The Messages API's rule for tool names.
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    FunctionTool {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) throw new IllegalArgumentException("tool name must match " + NAME + ": " + name);
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(schema, "inputSchema");
        if (!"object".equals(schema.path("type").asText())) throw new IllegalArgumentException("a tool's input schema must be of type object");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(handler, "handler");
        schema = schema.deepCopy();
    }

    @Override
    public ObjectNode inputSchema() {
        return schema.deepCopy();
    }

    @Override
    public ToolOutput call(JsonNode input, ToolContext context) {
        return handler.call(input, context);
    }
}
