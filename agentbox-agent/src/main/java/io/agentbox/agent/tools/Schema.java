package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.event.Events;

import java.util.List;
import java.util.Optional;

/**
 * Builds a tool's input schema in Claude Code's style (JSON Schema 2020-12, an object with no extra properties):
 * <pre>{@code
 * ObjectNode schema = Schema.object().string("city", true, "City name").integer("days", false, "Forecast days").build();
 * }</pre>
 */
public final class Schema {
    private final ObjectNode root = Events.mapper().createObjectNode();
    private final ObjectNode properties;
    private final ArrayNode required;

    private Schema() {
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.put("type", "object");
        properties = root.putObject("properties");
        required = root.putArray("required");
        root.put("additionalProperties", false);
    }

    /** An empty object schema to add properties to. */
    public static Schema object() {
        return new Schema();
    }

    public Schema string(String name, boolean isRequired, String description) {
        return prop(name, "string", isRequired, description);
    }

    public Schema number(String name, boolean isRequired, String description) {
        return prop(name, "number", isRequired, description);
    }

    public Schema integer(String name, boolean isRequired, String description) {
        return prop(name, "integer", isRequired, description);
    }

    /** An optional boolean. */
    public Schema bool(String name, String description) {
        return prop(name, "boolean", false, description);
    }

    public Schema enumeration(String name, List<String> values, String description) {
        ObjectNode p = properties.putObject(name);
        p.put("type", "string");
        ArrayNode e = p.putArray("enum");
        values.forEach(e::add);
        p.put("description", description);
        return this;
    }

    /** A property with a schema of its own (arrays, nested objects). */
    public Schema property(String name, ObjectNode schema, boolean isRequired) {
        properties.set(name, schema);
        if (isRequired) required.add(name);
        return this;
    }

    private Schema prop(String name, String type, boolean isRequired, String description) {
        ObjectNode p = properties.putObject(name);
        p.put("type", type);
        p.put("description", description);
        if (isRequired) required.add(name);
        return this;
    }

    public ObjectNode build() {
        return root.deepCopy();
    }

    /** A tool input was missing or had the wrong type: the model gets the message as an error result. */
    static final class InvalidInput extends RuntimeException {
        InvalidInput(String message) {
            super(message, null, false, false);
        }
    }

    static String requireString(JsonNode input, String name) {
        JsonNode v = input.get(name);
        if (v == null || v.isNull()) throw new InvalidInput("InputValidationError: the required parameter `" + name + "` is missing");
        if (!v.isTextual()) throw new InvalidInput("InputValidationError: the parameter `" + name + "` must be a string");
        return v.asText();
    }

    static Optional<String> optString(JsonNode input, String name) {
        JsonNode v = input.get(name);
        if (v == null || v.isNull()) return Optional.empty();
        if (!v.isTextual()) throw new InvalidInput("InputValidationError: the parameter `" + name + "` must be a string");
        return Optional.of(v.asText());
    }

    static Optional<Long> optLong(JsonNode input, String name) {
        JsonNode v = input.get(name);
        if (v == null || v.isNull()) return Optional.empty();
        if (v.isTextual() && v.asText().matches("-?\\d+")) return Optional.of(Long.parseLong(v.asText()));
        if (!v.isNumber()) throw new InvalidInput("InputValidationError: the parameter `" + name + "` must be a number");
        return Optional.of(v.asLong());
    }

    static boolean optBool(JsonNode input, String name) {
        JsonNode v = input.get(name);
        if (v == null || v.isNull()) return false;
        if (v.isTextual()) return Boolean.parseBoolean(v.asText());
        if (!v.isBoolean()) throw new InvalidInput("InputValidationError: the parameter `" + name + "` must be a boolean");
        return v.asBoolean();
    }
}
