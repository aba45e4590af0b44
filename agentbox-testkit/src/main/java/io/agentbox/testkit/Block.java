package io.agentbox.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Optional;

/** One content block of a scripted assistant message. */
public sealed interface Block {

    /** Plain text, streamed as {@code text_delta} chunks. */
    record Text(String text) implements Block {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** Extended thinking, streamed as {@code thinking_delta} chunks followed by one {@code signature_delta}. */
    record Thinking(String thinking, String signature) implements Block {
        public Thinking {
            Objects.requireNonNull(thinking, "thinking");
            Objects.requireNonNull(signature, "signature");
        }
    }

    /** Redacted thinking: sent whole in {@code content_block_start}, without deltas. */
    record RedactedThinking(String data) implements Block {
        public RedactedThinking {
            Objects.requireNonNull(data, "data");
        }
    }

    /**
     * A tool call, its input streamed as {@code input_json_delta} chunks. Without an id, each
     * response gets a fresh realistic one ({@code toolu_} and 24 letters and digits).
     */
    record ToolUse(Optional<String> id, String name, JsonNode input) implements Block {
        public ToolUse {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(input, "input");
            if (!input.isObject()) {
                throw new IllegalArgumentException("tool_use input must be a JSON object, got " + input.getNodeType());
            }
            input = input.deepCopy();
        }

        /** The input is copied on the way in and out, so a script cannot be changed behind the fake's back. */
        @Override
        public JsonNode input() {
            return input.deepCopy();
        }
    }

    static Text text(String text) {
        return new Text(text);
    }

    static Thinking thinking(String thinking, String signature) {
        return new Thinking(thinking, signature);
    }

    static RedactedThinking redactedThinking(String data) {
        return new RedactedThinking(data);
    }

    /** A tool call; {@code input} is anything Jackson turns into a JSON object (a Map, a record, a JsonNode). */
    static ToolUse toolUse(String name, Object input) {
        return new ToolUse(Optional.empty(), name, Json.toObject(input));
    }

    static ToolUse toolUse(String id, String name, Object input) {
        return new ToolUse(Optional.of(id), name, Json.toObject(input));
    }
}
