package io.agentbox.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A scripted assistant message. Streamed as real SSE to {@code stream: true} requests and returned
 * as one JSON message otherwise.
 *
 * @param content the content blocks, in order
 * @param stopReason sent in {@code message_delta}
 * @param stopSequence the matched stop sequence, when {@code stopReason} is {@code STOP_SEQUENCE}
 * @param usage exact usage to report; empty means an estimate from the request and the reply
 * @param model the model to report; empty echoes the request's {@code model}
 * @param firstByteDelay how long the fake waits before sending the response headers
 * @param chunkDelay how long the fake waits before each SSE event after {@code message_start}
 * @param chunkSize characters per delta chunk; empty means the server's default
 */
public record Reply(
        List<Block> content,
        StopReason stopReason,
        Optional<String> stopSequence,
        Optional<Usage> usage,
        Optional<String> model,
        Duration firstByteDelay,
        Duration chunkDelay,
        OptionalInt chunkSize)
        implements Step {

    public Reply {
        content = List.copyOf(content);
        Objects.requireNonNull(stopReason, "stopReason");
        Objects.requireNonNull(stopSequence, "stopSequence");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(model, "model");
        requireNonNegative(firstByteDelay, "firstByteDelay");
        requireNonNegative(chunkDelay, "chunkDelay");
        Objects.requireNonNull(chunkSize, "chunkSize");
        if (chunkSize.isPresent() && chunkSize.getAsInt() < 1) {
            throw new IllegalArgumentException("chunkSize must be at least 1");
        }
    }

    /** A reply with one text block that ends the turn. */
    public static Reply text(String text) {
        return builder().text(text).build();
    }

    /** A reply with one tool call; {@code input} is a Map, record or JsonNode that serialises to a JSON object. */
    public static Reply toolUse(String name, Object input) {
        return builder().toolUse(name, input).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this reply, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.content.addAll(content);
        b.stopReason = stopReason;
        b.stopSequence = stopSequence;
        b.usage = usage;
        b.model = model;
        b.firstByteDelay = firstByteDelay;
        b.chunkDelay = chunkDelay;
        b.chunkSize = chunkSize;
        return b;
    }

    private static void requireNonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative");
        }
    }

    /**
     * Builds a {@link Reply}. Unless set, the stop reason is {@code tool_use} when the reply calls a
     * tool and {@code end_turn} otherwise.
     */
    public static final class Builder {
        private final List<Block> content = new ArrayList<>();
        private StopReason stopReason;
        private Optional<String> stopSequence = Optional.empty();
        private Optional<Usage> usage = Optional.empty();
        private Optional<String> model = Optional.empty();
        private Duration firstByteDelay = Duration.ZERO;
        private Duration chunkDelay = Duration.ZERO;
        private OptionalInt chunkSize = OptionalInt.empty();

        private Builder() {}

        public Builder text(String text) {
            return block(Block.text(text));
        }

        /** A thinking block with a generated signature. */
        public Builder thinking(String thinking) {
            return block(Block.thinking(thinking, WireIds.signature()));
        }

        public Builder thinking(String thinking, String signature) {
            return block(Block.thinking(thinking, signature));
        }

        public Builder redactedThinking(String data) {
            return block(Block.redactedThinking(data));
        }

        /** A tool call with a fresh id per response; {@code input} serialises to a JSON object. */
        public Builder toolUse(String name, Object input) {
            return block(Block.toolUse(name, input));
        }

        /** A tool call with a fixed id, for tests that assert on the {@code tool_result} that refers to it. */
        public Builder toolUse(String id, String name, Object input) {
            return block(Block.toolUse(id, name, input));
        }

        /** A tool call whose input is given as JSON text, e.g. {@code {"command":"ls"}}. */
        public Builder toolUseJson(String name, String inputJson) {
            return block(Block.toolUse(name, Json.parse(inputJson)));
        }

        public Builder block(Block block) {
            content.add(Objects.requireNonNull(block, "block"));
            return this;
        }

        public Builder stopReason(StopReason stopReason) {
            this.stopReason = Objects.requireNonNull(stopReason, "stopReason");
            return this;
        }

        /** Stops on a stop sequence: sets the stop reason to {@code stop_sequence}. */
        public Builder stopSequence(String sequence) {
            this.stopSequence = Optional.of(sequence);
            this.stopReason = StopReason.STOP_SEQUENCE;
            return this;
        }

        public Builder usage(Usage usage) {
            this.usage = Optional.of(usage);
            return this;
        }

        public Builder usage(long inputTokens, long outputTokens) {
            return usage(Usage.of(inputTokens, outputTokens));
        }

        public Builder usage(long inputTokens, long outputTokens, long cacheCreationInputTokens, long cacheReadInputTokens) {
            return usage(Usage.of(inputTokens, outputTokens, cacheCreationInputTokens, cacheReadInputTokens));
        }

        public Builder model(String model) {
            this.model = Optional.of(model);
            return this;
        }

        public Builder firstByteDelay(Duration delay) {
            this.firstByteDelay = delay;
            return this;
        }

        public Builder chunkDelay(Duration delay) {
            this.chunkDelay = delay;
            return this;
        }

        public Builder chunkSize(int characters) {
            this.chunkSize = OptionalInt.of(characters);
            return this;
        }

        public Reply build() {
            StopReason reason = stopReason;
            if (reason == null) {
                reason = content.stream().anyMatch(b -> b instanceof Block.ToolUse) ? StopReason.TOOL_USE : StopReason.END_TURN;
            }
            return new Reply(content, reason, stopSequence, usage, model, firstByteDelay, chunkDelay, chunkSize);
        }
    }
}
