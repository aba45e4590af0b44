package io.agentbox.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;

/** The server's one ObjectMapper and small helpers for building JSON trees. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses JSON text that this server wrote itself (stored columns). */
    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void put(ObjectNode node, String field, Optional<?> value) {
        if (value.isEmpty()) {
            node.putNull(field);
            return;
        }
        Object v = value.get();
        switch (v) {
            case String s -> node.put(field, s);
            case Instant t -> node.put(field, t.toString());
            case Integer i -> node.put(field, i);
            case Long l -> node.put(field, l);
            case Double d -> node.put(field, d);
            case Boolean b -> node.put(field, b);
            case JsonNode j -> node.set(field, j);
            default -> node.put(field, v.toString());
        }
    }
}
