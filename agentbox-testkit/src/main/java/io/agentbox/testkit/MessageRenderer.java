package io.agentbox.testkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Turns a {@link Reply} into the wire form of the Messages API: SSE events or one JSON message. */
final class MessageRenderer {

    /** One SSE event, already encoded: {@code event: NAME\ndata: JSON\n\n}. */
    record Event(String name, byte[] bytes) {
        static Event of(String name, ObjectNode data) {
            return new Event(name, ("event: " + name + "\ndata: " + Json.write(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    private final Reply reply;
    private final List<Block> content;
    private final String messageId = WireIds.messageId();
    private final String model;
    private final Usage usage;
    private final int chunkSize;

    MessageRenderer(Reply reply, RecordedRequest request, int defaultChunkSize) {
        this.reply = reply;
        this.content = reply.content().stream().map(MessageRenderer::withId).toList();
        this.model = reply.model().or(request::model).orElse("claude-fake");
        this.usage = reply.usage().orElseGet(() -> Usage.of(Json.estimateInputTokens(request.bodyView()), outputTokens(content)));
        this.chunkSize = reply.chunkSize().orElse(defaultChunkSize);
    }

    List<Event> events() {
        List<Event> events = new ArrayList<>();
        ObjectNode start = Json.object().put("type", "message_start");
        ObjectNode message = start.putObject("message");
        message.put("id", messageId).put("type", "message").put("role", "assistant").put("model", model);
        message.putArray("content");
        message.putNull("stop_reason").putNull("stop_sequence");
        // like the real API, message_start reports the input side and a token or so of output;
        // the final output count comes in message_delta
        usageJson(message.putObject("usage"), Math.min(1, usage.outputTokens()));
        events.add(Event.of("message_start", start));
        events.add(Event.of("ping", Json.object().put("type", "ping")));

        for (int i = 0; i < content.size(); i++) {
            Block block = content.get(i);
            ObjectNode begin = Json.object().put("type", "content_block_start").put("index", i);
            ObjectNode cb = begin.putObject("content_block");
            switch (block) {
                case Block.Text t -> {
                    cb.put("type", "text").put("text", "");
                    events.add(Event.of("content_block_start", begin));
                    for (String chunk : chunks(t.text())) {
                        events.add(delta(i, Json.object().put("type", "text_delta").put("text", chunk)));
                    }
                }
                case Block.Thinking t -> {
                    cb.put("type", "thinking").put("thinking", "").put("signature", "");
                    events.add(Event.of("content_block_start", begin));
                    for (String chunk : chunks(t.thinking())) {
                        events.add(delta(i, Json.object().put("type", "thinking_delta").put("thinking", chunk)));
                    }
                    events.add(delta(i, Json.object().put("type", "signature_delta").put("signature", t.signature())));
                }
                case Block.RedactedThinking r -> {
                    cb.put("type", "redacted_thinking").put("data", r.data());
                    events.add(Event.of("content_block_start", begin));
                }
                case Block.ToolUse u -> {
                    cb.put("type", "tool_use").put("id", u.id().orElseThrow()).put("name", u.name());
                    cb.putObject("input");
                    events.add(Event.of("content_block_start", begin));
                    for (String chunk : chunks(Json.write(u.input()))) {
                        events.add(delta(i, Json.object().put("type", "input_json_delta").put("partial_json", chunk)));
                    }
                }
            }
            events.add(Event.of("content_block_stop", Json.object().put("type", "content_block_stop").put("index", i)));
        }

        ObjectNode messageDelta = Json.object().put("type", "message_delta");
        ObjectNode delta = messageDelta.putObject("delta").put("stop_reason", reply.stopReason().wireName());
        reply.stopSequence().ifPresentOrElse(s -> delta.put("stop_sequence", s), () -> delta.putNull("stop_sequence"));
        usageJson(messageDelta.putObject("usage"), usage.outputTokens());
        events.add(Event.of("message_delta", messageDelta));
        events.add(Event.of("message_stop", Json.object().put("type", "message_stop")));
        return events;
    }

    /** The whole message, as answered to a {@code stream: false} request. */
    ObjectNode message() {
        ObjectNode message = Json.object();
        message.put("id", messageId).put("type", "message").put("role", "assistant").put("model", model);
        ArrayNode blocks = message.putArray("content");
        for (Block block : content) {
            ObjectNode b = blocks.addObject();
            switch (block) {
                case Block.Text t -> b.put("type", "text").put("text", t.text());
                case Block.Thinking t -> b.put("type", "thinking").put("thinking", t.thinking()).put("signature", t.signature());
                case Block.RedactedThinking r -> b.put("type", "redacted_thinking").put("data", r.data());
                case Block.ToolUse u -> {
                    b.put("type", "tool_use").put("id", u.id().orElseThrow()).put("name", u.name());
                    b.set("input", u.input());
                }
            }
        }
        message.put("stop_reason", reply.stopReason().wireName());
        reply.stopSequence().ifPresentOrElse(s -> message.put("stop_sequence", s), () -> message.putNull("stop_sequence"));
        usageJson(message.putObject("usage"), usage.outputTokens());
        return message;
    }

    private void usageJson(ObjectNode node, long outputTokens) {
        node.put("input_tokens", usage.inputTokens())
                .put("cache_creation_input_tokens", usage.cacheCreationInputTokens())
                .put("cache_read_input_tokens", usage.cacheReadInputTokens())
                .put("output_tokens", outputTokens)
                .put("service_tier", "standard");
    }

    private static Event delta(int index, ObjectNode delta) {
        ObjectNode event = Json.object().put("type", "content_block_delta").put("index", index);
        event.set("delta", delta);
        return Event.of("content_block_delta", event);
    }

    /** Splits on code points, never inside a surrogate pair, so every chunk is valid text on its own. */
    private List<String> chunks(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < s.length()) {
            int end = start;
            for (int n = 0; n < chunkSize && end < s.length(); n++) {
                end += Character.charCount(s.codePointAt(end));
            }
            out.add(s.substring(start, end));
            start = end;
        }
        return out;
    }

    private static Block withId(Block block) {
        if (block instanceof Block.ToolUse u && u.id().isEmpty()) {
            return new Block.ToolUse(Optional.of(WireIds.toolUseId()), u.name(), u.input());
        }
        return block;
    }

    private static long outputTokens(List<Block> content) {
        long chars = 0;
        for (Block block : content) {
            chars += switch (block) {
                case Block.Text t -> t.text().length();
                case Block.Thinking t -> t.thinking().length();
                case Block.RedactedThinking r -> r.data().length() / 4;
                case Block.ToolUse u -> u.name().length() + Json.write(u.input()).length();
            };
        }
        return Math.max(1, (chars + 3) / 4);
    }
}
