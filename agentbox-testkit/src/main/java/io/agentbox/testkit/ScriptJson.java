package io.agentbox.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads and writes the JSON script format; every unknown key is an error, so typos do not go unnoticed. */
final class ScriptJson {
    private static final Set<String> TOP_KEYS = Set.of("mode", "steps");
    private static final Set<String> REPLY_KEYS = Set.of(
            "content", "text", "stop_reason", "stop_sequence", "usage", "model", "delay_ms", "chunk_delay_ms", "chunk_size");
    private static final Set<String> USAGE_KEYS = Set.of(
            "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens");
    private static final Set<String> ERROR_KEYS = Set.of("status", "type", "message", "retry_after_ms", "headers");
    private static final Set<String> ERROR_EVENT_KEYS = Set.of("after_events", "type", "message");

    private ScriptJson() {}

    static Script read(JsonNode root, String source) {
        JsonNode steps = root;
        Script.Mode mode = Script.Mode.QUEUE;
        if (root.isObject()) {
            Where where = new Where(source, "top level");
            where.onlyKeys(root, TOP_KEYS);
            if (root.has("mode")) {
                String m = where.text(root, "mode");
                mode = switch (m) {
                    case "queue" -> Script.Mode.QUEUE;
                    case "per_conversation" -> Script.Mode.PER_CONVERSATION;
                    default -> throw where.error("mode must be \"queue\" or \"per_conversation\", got \"" + m + "\"");
                };
            }
            steps = root.path("steps");
        }
        if (!steps.isArray()) {
            throw new ScriptException(source + ": a script is an array of steps, or an object with \"steps\": [...]");
        }
        List<Step> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            out.add(step(steps.get(i), new Where(source, "step " + i)));
        }
        return new Script(out, mode);
    }

    private static Step step(JsonNode node, Where where) {
        if (!node.isObject()) {
            throw where.error("a step is a JSON object");
        }
        if (node.has("error")) {
            where.onlyKeys(node, Set.of("error"));
            return httpError(node.get("error"), where.in("error"));
        }
        if (node.has("cut_after_events")) {
            int after = where.nonNegativeInt(node, "cut_after_events");
            ObjectNode rest = node.deepCopy();
            rest.remove("cut_after_events");
            return hasContent(rest) ? Failure.cutAfterEvents(after, reply(rest, where)) : Failure.cutAfterEvents(after);
        }
        if (node.has("error_event")) {
            JsonNode e = node.get("error_event");
            Where w = where.in("error_event");
            if (!e.isObject()) {
                throw w.error("must be an object with after_events, type and message");
            }
            w.onlyKeys(e, ERROR_EVENT_KEYS);
            int after = w.nonNegativeInt(e, "after_events");
            String type = e.has("type") ? w.text(e, "type") : "overloaded_error";
            String message = e.has("message") ? w.text(e, "message") : "Overloaded";
            ObjectNode rest = node.deepCopy();
            rest.remove("error_event");
            return hasContent(rest)
                    ? Failure.errorEvent(after, type, message, reply(rest, where))
                    : Failure.errorEvent(after, type, message);
        }
        return reply(node, where);
    }

    private static boolean hasContent(JsonNode node) {
        return node.has("content") || node.has("text");
    }

    private static Failure.HttpError httpError(JsonNode e, Where where) {
        if (e.isInt()) {
            return Failure.http(e.asInt(), "error " + e.asInt() + " from the script");
        }
        if (!e.isObject()) {
            throw where.error("must be a status code or an object with status, type, message, retry_after_ms, headers");
        }
        where.onlyKeys(e, ERROR_KEYS);
        if (!e.path("status").isInt()) {
            throw where.error("status must be an HTTP status code");
        }
        int status = e.get("status").asInt();
        String type = e.has("type") ? where.text(e, "type") : ErrorTypes.forStatus(status);
        String message = e.has("message") ? where.text(e, "message") : "error " + status + " from the script";
        Map<String, String> headers = new LinkedHashMap<>();
        if (e.has("retry_after_ms")) {
            headers.putAll(Failure.rateLimited(Duration.ofMillis(where.nonNegativeInt(e, "retry_after_ms"))).headers());
        }
        if (e.has("headers")) {
            JsonNode h = e.get("headers");
            if (!h.isObject()) {
                throw where.error("headers must be an object of names to string values");
            }
            for (Map.Entry<String, JsonNode> entry : h.properties()) {
                headers.put(entry.getKey().toLowerCase(Locale.ROOT), entry.getValue().asText());
            }
        }
        try {
            return new Failure.HttpError(status, type, message, headers);
        } catch (IllegalArgumentException ex) {
            throw where.error(ex.getMessage());
        }
    }

    private static Reply reply(JsonNode node, Where where) {
        where.onlyKeys(node, REPLY_KEYS);
        Reply.Builder b = Reply.builder();
        if (node.has("content") && node.has("text")) {
            throw where.error("give either \"text\" or \"content\", not both");
        }
        if (node.has("text")) {
            b.text(where.text(node, "text"));
        }
        if (node.has("content")) {
            JsonNode content = node.get("content");
            if (!content.isArray()) {
                throw where.error("content must be an array of blocks");
            }
            for (int i = 0; i < content.size(); i++) {
                b.block(block(content.get(i), where.in("content[" + i + "]")));
            }
        }
        try {
            if (node.has("stop_sequence")) {
                b.stopSequence(where.text(node, "stop_sequence"));
            }
            if (node.has("stop_reason")) {
                b.stopReason(StopReason.fromWireName(where.text(node, "stop_reason")));
            }
            if (node.has("usage")) {
                JsonNode u = node.get("usage");
                Where w = where.in("usage");
                if (!u.isObject()) {
                    throw w.error("must be an object");
                }
                w.onlyKeys(u, USAGE_KEYS);
                b.usage(w.nonNegativeLong(u, "input_tokens"), w.nonNegativeLong(u, "output_tokens"),
                        u.has("cache_creation_input_tokens") ? w.nonNegativeLong(u, "cache_creation_input_tokens") : 0,
                        u.has("cache_read_input_tokens") ? w.nonNegativeLong(u, "cache_read_input_tokens") : 0);
            }
            if (node.has("model")) {
                b.model(where.text(node, "model"));
            }
            if (node.has("delay_ms")) {
                b.firstByteDelay(Duration.ofMillis(where.nonNegativeInt(node, "delay_ms")));
            }
            if (node.has("chunk_delay_ms")) {
                b.chunkDelay(Duration.ofMillis(where.nonNegativeInt(node, "chunk_delay_ms")));
            }
            if (node.has("chunk_size")) {
                b.chunkSize(where.nonNegativeInt(node, "chunk_size"));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw where.error(e.getMessage());
        }
    }

    private static Block block(JsonNode node, Where where) {
        if (!node.isObject()) {
            throw where.error("a content block is an object with a \"type\"");
        }
        String type = where.text(node, "type");
        return switch (type) {
            case "text" -> {
                where.onlyKeys(node, Set.of("type", "text"));
                yield Block.text(where.text(node, "text"));
            }
            case "thinking" -> {
                where.onlyKeys(node, Set.of("type", "thinking", "signature"));
                yield Block.thinking(where.text(node, "thinking"),
                        node.has("signature") ? where.text(node, "signature") : WireIds.signature());
            }
            case "redacted_thinking" -> {
                where.onlyKeys(node, Set.of("type", "data"));
                yield Block.redactedThinking(where.text(node, "data"));
            }
            case "tool_use" -> {
                where.onlyKeys(node, Set.of("type", "id", "name", "input"));
                JsonNode input = node.path("input");
                if (!input.isObject()) {
                    throw where.error("input must be a JSON object");
                }
                Optional<String> id = node.has("id") ? Optional.of(where.text(node, "id")) : Optional.empty();
                yield new Block.ToolUse(id, where.text(node, "name"), input);
            }
            default -> throw where.error("unknown block type \"" + type + "\" (text, thinking, redacted_thinking, tool_use)");
        };
    }

    static ObjectNode write(Script script) {
        ObjectNode root = Json.object();
        root.put("mode", script.mode().name().toLowerCase(Locale.ROOT));
        ArrayNode steps = root.putArray("steps");
        for (Step step : script.steps()) {
            switch (step) {
                case Reply r -> steps.add(reply(r));
                case Failure.HttpError e -> {
                    ObjectNode error = steps.addObject().putObject("error");
                    error.put("status", e.status()).put("type", e.type()).put("message", e.message());
                    if (!e.headers().isEmpty()) {
                        ObjectNode h = error.putObject("headers");
                        e.headers().forEach(h::put);
                    }
                }
                case Failure.StreamCut c -> steps.add(reply(c.partial()).put("cut_after_events", c.afterEvents()));
                case Failure.StreamError e -> {
                    ObjectNode node = reply(e.partial());
                    node.putObject("error_event").put("after_events", e.afterEvents()).put("type", e.type()).put("message", e.message());
                    steps.add(node);
                }
            }
        }
        return root;
    }

    private static ObjectNode reply(Reply r) {
        ObjectNode node = Json.object();
        ArrayNode content = node.putArray("content");
        for (Block block : r.content()) {
            ObjectNode b = content.addObject();
            switch (block) {
                case Block.Text t -> b.put("type", "text").put("text", t.text());
                case Block.Thinking t -> b.put("type", "thinking").put("thinking", t.thinking()).put("signature", t.signature());
                case Block.RedactedThinking t -> b.put("type", "redacted_thinking").put("data", t.data());
                case Block.ToolUse u -> {
                    b.put("type", "tool_use");
                    u.id().ifPresent(id -> b.put("id", id));
                    b.put("name", u.name()).set("input", u.input());
                }
            }
        }
        node.put("stop_reason", r.stopReason().wireName());
        r.stopSequence().ifPresent(s -> node.put("stop_sequence", s));
        r.usage().ifPresent(u -> node.putObject("usage")
                .put("input_tokens", u.inputTokens())
                .put("output_tokens", u.outputTokens())
                .put("cache_creation_input_tokens", u.cacheCreationInputTokens())
                .put("cache_read_input_tokens", u.cacheReadInputTokens()));
        r.model().ifPresent(m -> node.put("model", m));
        if (!r.firstByteDelay().isZero()) {
            node.put("delay_ms", r.firstByteDelay().toMillis());
        }
        if (!r.chunkDelay().isZero()) {
            node.put("chunk_delay_ms", r.chunkDelay().toMillis());
        }
        r.chunkSize().ifPresent(n -> node.put("chunk_size", n));
        return node;
    }

    /** Where in which file a value is, for error messages that point at the mistake. */
    private record Where(String source, String path) {
        Where in(String child) {
            return new Where(source, path + "." + child);
        }

        ScriptException error(String message) {
            return new ScriptException(source + ": " + path + ": " + message);
        }

        void onlyKeys(JsonNode node, Set<String> allowed) {
            for (Map.Entry<String, JsonNode> property : node.properties()) {
                String key = property.getKey();
                if (!allowed.contains(key)) {
                    throw error("unknown key \"" + key + "\" (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
            }
        }

        String text(JsonNode node, String key) {
            JsonNode value = node.path(key);
            if (!value.isTextual()) {
                throw error(key + " must be a string");
            }
            return value.asText();
        }

        int nonNegativeInt(JsonNode node, String key) {
            JsonNode value = node.path(key);
            if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < 0) {
                throw error(key + " must be a whole number, 0 or more");
            }
            return value.asInt();
        }

        long nonNegativeLong(JsonNode node, String key) {
            JsonNode value = node.path(key);
            if (!value.isIntegralNumber() || value.asLong() < 0) {
                throw error(key + " must be a whole number, 0 or more");
            }
            return value.asLong();
        }
    }
}
