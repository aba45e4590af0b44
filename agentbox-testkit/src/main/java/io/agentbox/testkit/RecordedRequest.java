package io.agentbox.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One request the fake received, as recorded before it was answered. Credentials never appear in
 * the recording: the {@code x-api-key}, {@code authorization} and {@code cookie} headers read
 * {@value #REDACTED}, and only a SHA-256 of the key is kept, so {@link #hasApiKey(String)} can tell
 * which key was sent.
 *
 * @param index 0 for the first request the fake received, then 1, 2, ...
 * @param receivedAt when the request arrived
 * @param method the HTTP method, e.g. {@code POST}
 * @param path the path without the query, e.g. {@code /v1/messages}
 * @param query the raw query without {@code ?}, e.g. {@code beta=true}; empty when none
 * @param headers lower-cased header names to their values, credentials redacted
 * @param body the JSON body; a MissingNode when there was none or it was not JSON (or bodies are not kept)
 * @param credentialSha256 hex SHA-256 of the {@code x-api-key} value, or of the bearer token when
 *     the key came as {@code authorization: Bearer ...}
 */
public record RecordedRequest(
        int index,
        Instant receivedAt,
        String method,
        String path,
        String query,
        Map<String, List<String>> headers,
        JsonNode body,
        Optional<String> credentialSha256) {

    public static final String REDACTED = "[redacted]";

    public RecordedRequest {
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(query, "query");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(credentialSha256, "credentialSha256");
    }

    /** The JSON body (a copy: the recording itself cannot be changed). */
    @Override
    public JsonNode body() {
        return body.deepCopy();
    }

    /** The body without a copy, for the fake's own read-only use. */
    JsonNode bodyView() {
        return body;
    }

    /** The first value of a header, by case-insensitive name. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /** Whether the request carried exactly this API key (in {@code x-api-key} or as a bearer token). */
    public boolean hasApiKey(String key) {
        return credentialSha256.isPresent() && credentialSha256.get().equals(sha256(key));
    }

    /** Whether this is a {@code POST /v1/messages} request (with or without {@code ?beta=true}). */
    public boolean isMessages() {
        return method.equals("POST") && path.equals(FakeAnthropic.MESSAGES_PATH);
    }

    public Optional<String> model() {
        return text(body.path("model"));
    }

    /** Whether the client asked for an SSE stream ({@code "stream": true}). */
    public boolean streaming() {
        return body.path("stream").asBoolean(false);
    }

    /** The entries of {@code messages}, including any {@code role: "system"} ones, in order. */
    public List<JsonNode> messages() {
        List<JsonNode> out = new ArrayList<>();
        body.path("messages").forEach(m -> out.add(m.deepCopy()));
        return out;
    }

    /**
     * How many assistant messages the conversation already holds: 0 on the first request of a
     * conversation, 1 after the first reply, and so on.
     */
    public int assistantTurns() {
        int n = 0;
        for (JsonNode m : body.path("messages")) {
            if ("assistant".equals(m.path("role").asText())) {
                n++;
            }
        }
        return n;
    }

    /** The names of the tools the request offers. */
    public List<String> toolNames() {
        List<String> names = new ArrayList<>();
        body.path("tools").forEach(t -> text(t.path("name")).ifPresent(names::add));
        return names;
    }

    /** The {@code system} prompt as text (blocks joined with newlines); empty when there is none. */
    public String systemText() {
        return blockText(body.path("system"));
    }

    /** The text of the last user message (text blocks joined with newlines); empty when there is none. */
    public String lastUserText() {
        return lastUserMessage().map(m -> blockText(m.path("content"))).orElse("");
    }

    /** The last {@code tool_result} block of the last user message. */
    public Optional<ToolResult> lastToolResult() {
        Optional<JsonNode> user = lastUserMessage();
        if (user.isEmpty()) {
            return Optional.empty();
        }
        ToolResult last = null;
        for (JsonNode block : user.get().path("content")) {
            if ("tool_result".equals(block.path("type").asText())) {
                last = new ToolResult(
                        block.path("tool_use_id").asText(),
                        blockText(block.path("content")),
                        block.path("is_error").asBoolean(false));
            }
        }
        return Optional.ofNullable(last);
    }

    /** A {@code tool_result} block sent back by the client; {@code content} is its text. */
    public record ToolResult(String toolUseId, String content, boolean isError) {}

    /** The recording as one JSON object (credentials stay redacted), e.g. for a request log. */
    public ObjectNode toJson() {
        ObjectNode node = Json.object();
        node.put("index", index);
        node.put("received_at", receivedAt.toString());
        node.put("method", method);
        node.put("path", path);
        node.put("query", query);
        ObjectNode h = node.putObject("headers");
        headers.forEach((name, values) -> h.put(name, String.join(", ", values)));
        if (!body.isMissingNode()) {
            node.set("body", body.deepCopy());
        }
        return node;
    }

    private Optional<JsonNode> lastUserMessage() {
        JsonNode messages = body.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.get(i).path("role").asText())) {
                return Optional.of(messages.get(i));
            }
        }
        return Optional.empty();
    }

    /** A string, or the text blocks of an array of content blocks joined with newlines. */
    private static String blockText(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode block : content) {
            if ("text".equals(block.path("type").asText())) {
                parts.add(block.path("text").asText());
            }
        }
        return String.join("\n", parts);
    }

    private static Optional<String> text(JsonNode node) {
        return node.isTextual() ? Optional.of(node.asText()) : Optional.empty();
    }

    static String sha256(String value) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
