package io.agentbox.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.tools.ToolOutput;
import io.agentbox.agent.tools.ToolUse;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Content blocks of the Messages API, as JSON. */
final class Blocks {
    private Blocks() {}

    static ObjectNode object() {
        return Events.mapper().createObjectNode();
    }

    static ObjectNode text(String text) {
        ObjectNode b = object();
        b.put("type", "text");
        b.put("text", text);
        return b;
    }

    static ObjectNode toolResult(String toolUseId, ToolOutput output) {
        ObjectNode b = object();
        b.put("type", "tool_result");
        b.put("tool_use_id", toolUseId);
        b.put("content", output.content());
        b.put("is_error", output.isError());
        return b;
    }

    /**
     * The blocks worth keeping in the history: no empty text (the API refuses it), and for a
     * response cut at max_tokens no trailing tool_use (its input is incomplete).
     */
    static List<ObjectNode> completeContent(List<ObjectNode> content, boolean cut) {
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode b : content) {
            if ("text".equals(b.path("type").asText()) && b.path("text").asText().isEmpty()) continue;
            out.add(b);
        }
        if (cut && !out.isEmpty() && "tool_use".equals(out.getLast().path("type").asText())) out.removeLast();
        return out;
    }

    static List<ToolUse> toolUses(List<ObjectNode> content) {
        return content.stream().filter(b -> "tool_use".equals(b.path("type").asText()))
                .map(b -> new ToolUse(b.path("id").asText(), b.path("name").asText(), b.path("input"))).toList();
    }

    /** The text of a message's text blocks, joined; empty when it has none. */
    static Optional<String> lastText(List<ObjectNode> content) {
        StringBuilder sb = new StringBuilder();
        for (ObjectNode b : content) {
            if ("text".equals(b.path("type").asText())) sb.append(b.path("text").asText());
        }
        return sb.isEmpty() ? Optional.empty() : Optional.of(sb.toString());
    }
}
