package io.agentbox.server.http;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A request's JSON object with typed, validating accessors. Every failure is a 400 naming the field
 * with its path ({@code options.maxTurns}); {@code null} counts as absent.
 */
public final class JsonBody {
    private final ObjectNode node;
    private final String prefix;

    private JsonBody(ObjectNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
    }

    public static JsonBody parse(byte[] bytes) {
        if (bytes.length == 0) return new JsonBody(Json.object(), "");
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(bytes);
        } catch (JsonParseException e) {
            throw ApiException.invalidJson("request body is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (JsonProcessingException e) {
            throw ApiException.invalidJson("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.invalidJson("request body could not be read");
        }
        if (tree == null || tree.isMissingNode()) return new JsonBody(Json.object(), "");
        if (!(tree instanceof ObjectNode obj)) throw ApiException.invalidJson("request body must be a JSON object");
        return new JsonBody(obj, "");
    }

    public static JsonBody of(ObjectNode node) {
        return new JsonBody(node, "");
    }

    public ObjectNode node() {
        return node;
    }

    private String path(String field) {
        return prefix + field;
    }

    /** Rejects fields that are not in {@code allowed}, so that a typo is an error instead of being ignored. */
    public JsonBody allowOnly(Set<String> allowed) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw ApiException.invalidField(path(name), "is not recognized (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
        return this;
    }

    private Optional<JsonNode> value(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
    }

    /** True when the field is present with an explicit {@code null} (for PATCH: reset to the default). */
    public boolean isNull(String field) {
        return node.has(field) && node.get(field).isNull();
    }

    public boolean has(String field) {
        return value(field).isPresent();
    }

    public Optional<String> string(String field, int maxLength) {
        return value(field).map(v -> {
            if (!v.isTextual()) throw ApiException.invalidField(path(field), "must be a string");
            String s = v.textValue();
            if (s.length() > maxLength) throw ApiException.invalidField(path(field), "must be at most " + maxLength + " characters (got " + s.length() + ")");
            return s;
        });
    }

    public String requiredString(String field, int maxLength) {
        return string(field, maxLength).orElseThrow(() -> ApiException.invalidField(path(field), "is required"));
    }

    /** A required string with no length limit here (the caller enforces a byte limit). */
    public String requiredText(String field) {
        return requiredString(field, Integer.MAX_VALUE);
    }

    public String requiredNonBlank(String field, int maxLength) {
        String s = requiredString(field, maxLength);
        if (s.isBlank()) throw ApiException.invalidField(path(field), "must not be blank");
        return s;
    }

    public Optional<Long> integer(String field, long min, long max) {
        return value(field).map(v -> {
            if (!v.isIntegralNumber() || !v.canConvertToLong()) throw ApiException.invalidField(path(field), "must be an integer");
            long n = v.longValue();
            if (n < min || n > max) throw ApiException.invalidField(path(field), "must be between " + min + " and " + max + " (got " + n + ")");
            return n;
        });
    }

    public Optional<Double> number(String field, double min, double max) {
        return value(field).map(v -> {
            if (!v.isNumber()) throw ApiException.invalidField(path(field), "must be a number");
            double n = v.doubleValue();
            if (!(n >= min && n <= max)) throw ApiException.invalidField(path(field), "must be between " + min + " and " + max + " (got " + n + ")");
            return n;
        });
    }

    public Optional<Boolean> bool(String field) {
        return value(field).map(v -> {
            if (!v.isBoolean()) throw ApiException.invalidField(path(field), "must be true or false");
            return v.booleanValue();
        });
    }

    /** A value from a closed set, e.g. a role; the error lists the allowed values. */
    public <E> Optional<E> oneOf(String field, Function<String, Optional<E>> parse, List<String> allowed) {
        return string(field, 100).map(s -> parse.apply(s).orElseThrow(
                () -> ApiException.invalidField(path(field), "must be one of " + String.join(", ", allowed) + " (got '" + s + "')")));
    }

    public Optional<JsonBody> object(String field) {
        return value(field).map(v -> {
            if (!(v instanceof ObjectNode obj)) throw ApiException.invalidField(path(field), "must be an object");
            return new JsonBody(obj, path(field) + ".");
        });
    }

    public Optional<List<String>> stringList(String field, int maxItems, int maxLength) {
        return value(field).map(v -> {
            if (!v.isArray()) throw ApiException.invalidField(path(field), "must be an array of strings");
            if (v.size() > maxItems) throw ApiException.invalidField(path(field), "must have at most " + maxItems + " items");
            List<String> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                JsonNode item = v.get(i);
                if (!item.isTextual()) throw ApiException.invalidField(path(field) + "[" + i + "]", "must be a string");
                if (item.textValue().length() > maxLength) throw ApiException.invalidField(path(field) + "[" + i + "]", "must be at most " + maxLength + " characters");
                out.add(item.textValue());
            }
            return out;
        });
    }

    public Optional<Map<String, String>> stringMap(String field, int maxEntries, int maxLength) {
        return value(field).map(v -> {
            if (!v.isObject()) throw ApiException.invalidField(path(field), "must be an object of strings");
            if (v.size() > maxEntries) throw ApiException.invalidField(path(field), "must have at most " + maxEntries + " entries");
            Map<String, String> out = new LinkedHashMap<>();
            v.fields().forEachRemaining(e -> {
                if (!e.getValue().isTextual()) throw ApiException.invalidField(path(field) + "." + e.getKey(), "must be a string");
                if (e.getKey().length() > maxLength || e.getValue().textValue().length() > maxLength) {
                    throw ApiException.invalidField(path(field) + "." + e.getKey(), "must be at most " + maxLength + " characters");
                }
                out.put(e.getKey(), e.getValue().textValue());
            });
            return out;
        });
    }
}
