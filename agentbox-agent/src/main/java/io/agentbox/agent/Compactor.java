package io.agentbox.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.model.ModelListener;
import io.agentbox.agent.model.ModelRequest;
import io.agentbox.agent.model.ModelResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * Keeps the conversation inside the context window: when the last call came close to it, older
 * turns are replaced by a model-written summary (as real messages), keeping the latest exchange intact.
 */
final class Compactor {
    private static final double THRESHOLD = 0.8;
    private static final String INSTRUCTION = """
            The conversation is about to exceed the context window. Write a summary of everything above that \
            is needed to continue the task: the user's requests, decisions made, files created or changed (with \
            paths), commands run and their outcomes, errors met, and what remains to be done. Answer with the \
            summary only, as plain text; do not call any tool.""";

    private final AgentOptions options;
    private final EventEmitter events;
    private final Cancellation cancellation;
    private final List<ObjectNode> toolSpecs;
    private final Consumer<ModelResponse> account;
    private long lastContextTokens;

    Compactor(AgentOptions options, EventEmitter events, Cancellation cancellation, List<ObjectNode> toolSpecs,
              Consumer<ModelResponse> account) {
        this.options = options;
        this.events = events;
        this.cancellation = cancellation;
        this.toolSpecs = toolSpecs;
        this.account = account;
    }

    void observe(Usage usage) {
        lastContextTokens = usage.contextTokens() + usage.outputTokens();
    }

    void maybeCompact(AgentSession session, String system) {
        if (lastContextTokens > options.contextWindow() * THRESHOLD) compact(session, system);
    }

    void compact(AgentSession session, String system) {
        List<ObjectNode> history = session.history();
        int tailStart = history.size() - 1;
        if (tailStart > 0 && hasToolResult(history.get(tailStart))) tailStart--;
        if (tailStart <= 0) return;
        List<ObjectNode> head = new ArrayList<>(history.subList(0, tailStart).stream().map(ObjectNode::deepCopy).toList());
        ObjectNode ask = head.getLast().path("role").asText().equals("user") ? head.getLast()
                : addAndReturn(head, AgentSession.message("user", List.of()));
        ((ArrayNode) ask.get("content")).add(Blocks.text(INSTRUCTION));
        ModelResponse r = options.modelClient().send(new ModelRequest(options.model(), system, head, toolSpecs,
                Math.min(options.maxTokens(), 8192), OptionalInt.empty()), ModelListener.NONE, cancellation);
        account.accept(r);
        String summary = Blocks.lastText(r.content()).orElse("(no summary)");
        List<ObjectNode> tail = history.subList(tailStart, history.size()).stream().map(ObjectNode::deepCopy).toList();
        List<ObjectNode> replacement = new ArrayList<>();
        ObjectNode intro = Blocks.text("This conversation continues an earlier one that was summarized to save space. Summary:\n\n" + summary);
        if (tail.getFirst().path("role").asText().equals("user")) {
            ((ArrayNode) tail.getFirst().get("content")).insert(0, intro);
        } else {
            replacement.add(AgentSession.message("user", List.of(intro)));
        }
        replacement.addAll(tail);
        session.replaceHistory(replacement);
        events.emit(new EventData.Compaction(history.size(), replacement.size(), lastContextTokens));
        lastContextTokens = 0;
    }

    private static boolean hasToolResult(ObjectNode message) {
        for (var b : message.path("content")) if ("tool_result".equals(b.path("type").asText())) return true;
        return false;
    }

    private static ObjectNode addAndReturn(List<ObjectNode> list, ObjectNode node) {
        list.add(node);
        return node;
    }
}
