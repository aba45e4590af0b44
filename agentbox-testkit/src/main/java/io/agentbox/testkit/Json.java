package io.agentbox.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The one shared Jackson mapper of the fake, and the conversions around it. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static JsonNode toObject(Object value) {
        if (value instanceof CharSequence) {
            throw new IllegalArgumentException("tool input must be a JSON object (a Map, record or JsonNode); "
                    + "use toolUseJson(name, json) for JSON text");
        }
        return MAPPER.valueToTree(value);
    }

    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Parses a request body; anything that is not JSON becomes a MissingNode (the request is still recorded). */
    static JsonNode parseBody(byte[] body) {
        if (body.length == 0) {
            return MissingNode.getInstance();
        }
        try {
            JsonNode node = MAPPER.readTree(body);
            return node == null ? MissingNode.getInstance() : node;
        } catch (java.io.IOException e) {
            return MissingNode.getInstance();
        }
    }

    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(JsonNode node) {
        return write(node).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A plausible token count for the prompt part of a request (system, messages, tools): about four
     * characters of JSON per token, as for English text.
     */
    static long estimateInputTokens(JsonNode body) {
        long chars = 0;
        for (String field : new String[] {"system", "messages", "tools"}) {
            JsonNode value = body.path(field);
            if (!value.isMissingNode()) {
                chars += write(value).length();
            }
        }
        return Math.max(1, (chars + 3) / 4);
    }
}
