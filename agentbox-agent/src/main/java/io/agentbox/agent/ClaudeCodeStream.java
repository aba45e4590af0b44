package io.agentbox.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.event.EventData;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Claude Code's {@code stream-json} lines (with {@code --include-partial-messages}) as our events:
 * deltas from the raw stream events, complete blocks and tool calls from the {@code assistant} lines
 * (one block each), tool results from the {@code user} lines, retries from {@code system/api_retry}.
 * Usage and cost are ours, per model call, from the message's own usage as the API sent it.
 */
final class ClaudeCodeStream {
    private final AgentOptions options;
    private final Consumer<EventData> emit;
    private final Runnable afterCall;
    private final Map<String, Long> toolStarts = new HashMap<>();
    private final Set<String> accounted = new HashSet<>();
    private int calls;
    private Usage usage = Usage.ZERO;
    private BigDecimal modelCost = BigDecimal.ZERO;
    private String lastText = "";
    private JsonNode init;
    private JsonNode result;
    // the model call being streamed
    private String callId;
    private String callModel;
    private JsonNode callUsage;

    /** @param afterCall runs after each model call is accounted (the budget check) */
    ClaudeCodeStream(AgentOptions options, Consumer<EventData> emit, Runnable afterCall) {
        this.options = options;
        this.emit = emit;
        this.afterCall = afterCall;
    }

    void accept(JsonNode line) {
        switch (line.path("type").asText()) {
            case "stream_event" -> streamEvent(line.path("event"));
            case "assistant" -> assistant(line.path("message"));
            case "user" -> user(line.path("message"));
            case "system" -> system(line);
            case "result" -> result = line;
            default -> { }
        }
    }

    private void streamEvent(JsonNode e) {
        switch (e.path("type").asText()) {
            case "message_start" -> {
                JsonNode m = e.path("message");
                callId = m.path("id").asText();
                callModel = m.path("model").asText(options.model());
                callUsage = m.path("usage");
            }
            case "content_block_delta" -> {
                JsonNode d = e.path("delta");
                switch (d.path("type").asText()) {
                    case "text_delta" -> emit.accept(new EventData.TextDelta(d.path("text").asText()));
                    case "thinking_delta" -> emit.accept(new EventData.ThinkingDelta(d.path("thinking").asText()));
                    default -> { }
                }
            }
            // the delta's usage is the message's final one (the API repeats input and cache counts there)
            case "message_delta" -> callUsage = merge(callUsage, e.path("usage"));
            case "message_stop" -> {
                if (callId != null) account(callId, callModel, callUsage);
                callId = null;
            }
            default -> { }
        }
    }

    private void assistant(JsonNode message) {
        String id = message.path("id").asText();
        String model = message.path("model").asText();
        // without partial messages (Claude Code's non-streaming fallback) the usage comes only here
        if (!model.equals("<synthetic>") && !id.isEmpty() && !id.equals(callId)) account(id, model, message.path("usage"));
        for (JsonNode block : message.path("content")) {
            switch (block.path("type").asText()) {
                case "text" -> {
                    if (model.equals("<synthetic>")) continue; // Claude Code's own error text, not the model's
                    lastText = block.path("text").asText();
                    emit.accept(new EventData.Text(lastText));
                }
                case "thinking" -> emit.accept(new EventData.Thinking(block.path("thinking").asText()));
                case "tool_use" -> {
                    String toolId = block.path("id").asText();
                    toolStarts.put(toolId, System.nanoTime());
                    emit.accept(new EventData.ToolCall(toolId, block.path("name").asText(), block.path("input")));
                }
                default -> { }
            }
        }
    }

    private void user(JsonNode message) {
        for (JsonNode block : message.path("content")) {
            if (!block.path("type").asText().equals("tool_result")) continue;
            String id = block.path("tool_use_id").asText();
            Long start = toolStarts.remove(id);
            long ms = start == null ? 0 : (System.nanoTime() - start) / 1_000_000;
            emit.accept(new EventData.ToolResult(id, text(block.path("content")), block.path("is_error").asBoolean(false), ms));
        }
    }

    private void system(JsonNode line) {
        switch (line.path("subtype").asText()) {
            case "init" -> init = line;
            case "api_retry" -> {
                int status = line.path("error_status").asInt(0);
                emit.accept(new EventData.Retry(line.path("attempt").asInt(), line.path("max_retries").asInt(),
                        line.path("retry_delay_ms").asLong(), category(status), status, text(line.path("error"))));
            }
            default -> { }
        }
    }

    private void account(String id, String model, JsonNode u) {
        if (!accounted.add(id)) return;
        Usage call = new Usage(u.path("input_tokens").asLong(), u.path("output_tokens").asLong(),
                u.path("cache_creation_input_tokens").asLong(), u.path("cache_read_input_tokens").asLong());
        long oneHour = u.path("cache_creation").path("ephemeral_1h_input_tokens").asLong(0);
        BigDecimal cost = options.pricing().modelCost(model, call, oneHour);
        calls++;
        usage = usage.plus(call);
        modelCost = modelCost.add(cost);
        emit.accept(new EventData.ModelUsage(model, id, call, cost));
        afterCall.run();
    }

    private static JsonNode merge(JsonNode start, JsonNode delta) {
        if (start == null || !start.isObject()) return delta;
        com.fasterxml.jackson.databind.node.ObjectNode m = start.deepCopy();
        delta.fields().forEachRemaining(f -> {
            if (!f.getValue().isNull()) m.set(f.getKey(), f.getValue());
        });
        return m;
    }

    /** A tool result's or error's content as text: a string, or the text of its blocks. */
    static String text(JsonNode content) {
        if (content.isTextual()) return content.asText();
        if (content.isArray()) {
            StringBuilder b = new StringBuilder();
            for (JsonNode c : content) {
                if (c.has("text")) b.append(b.isEmpty() ? "" : "\n").append(c.path("text").asText());
            }
            return b.toString();
        }
        return content.isMissingNode() || content.isNull() ? "" : content.toString();
    }

    /** The category of an API failure by its HTTP status, as the native client types it. */
    static AgentErrorCategory category(int status) {
        return switch (status) {
            case 401, 403 -> AgentErrorCategory.API_AUTH;
            case 429 -> AgentErrorCategory.API_RATE_LIMIT;
            case 529 -> AgentErrorCategory.API_OVERLOADED;
            default -> AgentErrorCategory.API_ERROR;
        };
    }

    int calls() { return calls; }
    Usage usage() { return usage; }
    BigDecimal modelCost() { return modelCost; }
    String lastText() { return lastText; }
    Optional<JsonNode> init() { return Optional.ofNullable(init); }
    Optional<JsonNode> result() { return Optional.ofNullable(result); }
}
