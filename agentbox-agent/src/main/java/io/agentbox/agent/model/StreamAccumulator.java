package io.agentbox.agent.model;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.messages.RawContentBlockDelta;
import com.anthropic.models.messages.RawContentBlockDeltaEvent;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.Usage;
import io.agentbox.agent.event.Events;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds the assistant message from the raw stream events, forwarding deltas as they come. */
final class StreamAccumulator {
    private final ModelListener listener;
    private final Map<Integer, ObjectNode> blocks = new TreeMap<>();
    private final Map<Integer, StringBuilder> partialJson = new TreeMap<>();
    /** Text, thinking and signature of open blocks, appended per delta and set on the block at its end. */
    private final Map<Integer, Map<String, StringBuilder>> pending = new TreeMap<>();
    private String id = "";
    private String model = "";
    private String stopReason = "";
    private long input, output, cacheWrite, cacheRead, cacheWrite1h;
    private boolean complete;

    StreamAccumulator(ModelListener listener) {
        this.listener = listener;
    }

    /**
     * Takes one event of the SDK's stream; true once the message is complete. The many deltas are read
     * from the typed event; the few other events of a message go through their JSON form.
     */
    boolean accept(RawMessageStreamEvent e) {
        if (e.isContentBlockDelta()) {
            RawContentBlockDeltaEvent d = e.contentBlockDelta().orElseThrow();
            RawContentBlockDelta delta = d.delta();
            int index = (int) d.index();
            if (delta.isText()) {
                String t = delta.text().orElseThrow().text();
                append(index, "text", t);
                listener.onTextDelta(t);
            } else if (delta.isThinking()) {
                String t = delta.thinking().orElseThrow().thinking();
                append(index, "thinking", t);
                listener.onThinkingDelta(t);
            } else if (delta.isSignature()) {
                append(index, "signature", delta.signature().orElseThrow().signature());
            } else if (delta.isInputJson()) {
                partialJson.computeIfAbsent(index, i -> new StringBuilder()).append(delta.inputJson().orElseThrow().partialJson());
            }
            return complete;
        }
        if (e.isContentBlockStop()) {
            stop((int) e.contentBlockStop().orElseThrow().index());
            return complete;
        }
        return accept((JsonNode) ObjectMappers.jsonMapper().valueToTree(e));
    }

    /** Takes one event in its JSON form; true once the message is complete. */
    boolean accept(JsonNode e) {
        switch (e.path("type").asText()) {
            case "message_start" -> {
                JsonNode m = e.path("message");
                id = m.path("id").asText();
                model = m.path("model").asText();
                usage(m.path("usage"));
            }
            case "content_block_start" -> {
                int index = e.path("index").asInt();
                ObjectNode block = clean((ObjectNode) e.path("content_block"));
                if ("tool_use".equals(block.path("type").asText())) partialJson.put(index, new StringBuilder());
                blocks.put(index, block);
            }
            case "content_block_delta" -> delta(e.path("index").asInt(), e.path("delta"));
            case "content_block_stop" -> stop(e.path("index").asInt());
            case "message_delta" -> {
                if (e.path("delta").hasNonNull("stop_reason")) stopReason = e.path("delta").path("stop_reason").asText();
                usage(e.path("usage"));
            }
            case "message_stop" -> complete = true;
            default -> { }
        }
        return complete;
    }

    /** Keeps the fields that can be sent back in the history (the SDK adds nulls and response-only fields). */
    private static ObjectNode clean(ObjectNode b) {
        List<String> keep = switch (b.path("type").asText()) {
            case "text" -> List.of("type", "text");
            case "thinking" -> List.of("type", "thinking", "signature");
            case "redacted_thinking" -> List.of("type", "data");
            case "tool_use" -> List.of("type", "id", "name", "input");
            default -> null;
        };
        if (keep == null) return b.deepCopy();
        ObjectNode out = Events.mapper().createObjectNode();
        for (String k : keep) {
            if (b.hasNonNull(k)) out.set(k, b.get(k).deepCopy());
        }
        return out;
    }

    private void delta(int index, JsonNode d) {
        switch (d.path("type").asText()) {
            case "text_delta" -> {
                String t = d.path("text").asText();
                append(index, "text", t);
                listener.onTextDelta(t);
            }
            case "thinking_delta" -> {
                String t = d.path("thinking").asText();
                append(index, "thinking", t);
                listener.onThinkingDelta(t);
            }
            case "signature_delta" -> append(index, "signature", d.path("signature").asText());
            case "input_json_delta" -> partialJson.computeIfAbsent(index, i -> new StringBuilder()).append(d.path("partial_json").asText());
            default -> { }
        }
    }

    private void append(int index, String field, String text) {
        if (!blocks.containsKey(index)) return;
        pending.computeIfAbsent(index, i -> new HashMap<>()).computeIfAbsent(field, f -> new StringBuilder()).append(text);
    }

    /** Sets what the deltas of a block brought on top of what its start carried. */
    private void flush(int index) {
        ObjectNode block = blocks.get(index);
        Map<String, StringBuilder> fields = pending.remove(index);
        if (block == null || fields == null) return;
        fields.forEach((field, text) -> block.put(field, block.path(field).asText() + text));
    }

    private void stop(int index) {
        ObjectNode block = blocks.get(index);
        if (block == null) return;
        flush(index);
        StringBuilder json = partialJson.remove(index);
        if (json != null) {
            try {
                block.set("input", json.isEmpty() ? Events.mapper().createObjectNode() : Events.mapper().readTree(json.toString()));
            } catch (JsonProcessingException e) {
                // input cut short (max_tokens): keep the block marked so the loop can drop it
                block.set("input", Events.mapper().createObjectNode());
                block.put("_incomplete", true);
            }
        }
        listener.onBlock(block);
    }

    /** Usage fields are cumulative: later events carry the current totals of the fields they have. */
    private void usage(JsonNode u) {
        if (u.hasNonNull("input_tokens")) input = u.path("input_tokens").asLong();
        if (u.hasNonNull("output_tokens")) output = u.path("output_tokens").asLong();
        if (u.hasNonNull("cache_creation_input_tokens")) cacheWrite = u.path("cache_creation_input_tokens").asLong();
        if (u.hasNonNull("cache_read_input_tokens")) cacheRead = u.path("cache_read_input_tokens").asLong();
        if (u.path("cache_creation").hasNonNull("ephemeral_1h_input_tokens")) {
            cacheWrite1h = u.path("cache_creation").path("ephemeral_1h_input_tokens").asLong();
        }
    }

    boolean complete() {
        return complete;
    }

    ModelResponse response() {
        List.copyOf(pending.keySet()).forEach(this::flush);
        List<ObjectNode> content = new ArrayList<>();
        for (ObjectNode b : blocks.values()) {
            if (b.remove("_incomplete") != null && "max_tokens".equals(stopReason)) continue;
            content.add(b);
        }
        return new ModelResponse(id, model, content, stopReason, new Usage(input, output, cacheWrite, cacheRead), cacheWrite1h);
    }
}
