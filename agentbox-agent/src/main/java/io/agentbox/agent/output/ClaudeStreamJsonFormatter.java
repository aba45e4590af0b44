package io.agentbox.agent.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.AgentErrorCategory;
import io.agentbox.agent.Cost;
import io.agentbox.agent.Usage;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.Events;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Claude Code's stream-json shapes: a {@code system/init} line, one {@code assistant} line per
 * content block (text and thinking blocks wait for their call's usage), a {@code user} line per
 * tool result, {@code system/api_retry} lines, and a final {@code result}. UUIDs derive from
 * the run id and sequence number, so the output is a pure function of the events.
 */
final class ClaudeStreamJsonFormatter implements EventFormatter {
    private final List<ObjectNode> pendingBlocks = new ArrayList<>();
    private String sessionId = "";
    private String model = "";
    private String messageId = "";
    private Usage lastUsage = Usage.ZERO;
    private String lastText = "";

    @Override
    public List<String> format(Event e) {
        List<ObjectNode> out = new ArrayList<>();
        switch (e.data()) {
            case EventData.RunStarted s -> {
                sessionId = s.sessionId();
                model = s.model();
                ObjectNode o = base(e, "system");
                o.put("subtype", "init");
                o.put("cwd", s.cwd());
                o.put("session_id", sessionId);
                o.set("tools", Events.mapper().valueToTree(s.tools()));
                var servers = o.putArray("mcp_servers");
                s.mcpServers().forEach(m -> servers.addObject().put("name", m.name()).put("status", m.status()));
                o.put("model", s.model());
                o.put("permissionMode", s.permissionMode());
                o.putArray("slash_commands");
                o.put("output_style", "default");
                out.add(o);
            }
            case EventData.Text t -> {
                lastText = t.text();
                pendingBlocks.add(block("text", "text", t.text()));
            }
            case EventData.Thinking t -> pendingBlocks.add(block("thinking", "thinking", t.thinking()));
            case EventData.ModelUsage u -> {
                model = u.model();
                messageId = u.messageId();
                lastUsage = u.usage();
                for (ObjectNode b : pendingBlocks) out.add(assistant(e, b));
                pendingBlocks.clear();
            }
            case EventData.ToolCall c -> {
                ObjectNode b = Events.mapper().createObjectNode();
                b.put("type", "tool_use");
                b.put("id", c.id());
                b.put("name", c.name());
                b.set("input", c.input());
                out.add(assistant(e, b));
            }
            case EventData.ToolResult r -> {
                ObjectNode o = base(e, "user");
                ObjectNode msg = o.putObject("message");
                msg.put("role", "user");
                ObjectNode b = msg.putArray("content").addObject();
                b.put("tool_use_id", r.id());
                b.put("type", "tool_result");
                b.put("content", r.output());
                b.put("is_error", r.isError());
                o.putNull("parent_tool_use_id");
                o.put("session_id", sessionId);
                out.add(o);
            }
            case EventData.Retry r -> {
                ObjectNode o = base(e, "system");
                o.put("subtype", "api_retry");
                o.put("attempt", r.attempt());
                o.put("max_retries", r.maxRetries());
                o.put("retry_delay_ms", r.delayMs());
                if (r.status() > 0) o.put("error_status", r.status()); else o.putNull("error_status");
                o.put("error", r.category().wireName());
                o.put("session_id", sessionId);
                out.add(o);
            }
            case EventData.RunCompleted c -> out.addAll(result(e, "success", false, c.result(), c.turns(), c.durationMs(), c.usage(), c.cost()));
            case EventData.RunFailed f -> out.addAll(result(e, subtype(f.category()), true,
                    f.category() == AgentErrorCategory.MAX_TURNS || f.category() == AgentErrorCategory.BUDGET_EXCEEDED ? lastText : f.message(),
                    f.turns(), f.durationMs(), f.usage(), f.cost()));
            case EventData.RunCanceled c -> out.addAll(result(e, "error_during_execution", true, c.reason(), c.turns(), c.durationMs(), c.usage(), c.cost()));
            default -> { }
        }
        return out.stream().map(JsonResultFormatter::write).toList();
    }

    private static String subtype(ErrorCategory c) {
        if (c == AgentErrorCategory.MAX_TURNS) return "error_max_turns";
        if (c == AgentErrorCategory.BUDGET_EXCEEDED) return "error_max_budget_usd";
        return "error_during_execution";
    }

    private List<ObjectNode> result(Event e, String subtype, boolean isError, String result, int turns, long durationMs,
                                    Usage usage, Cost cost) {
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode b : pendingBlocks) out.add(assistant(e, b));
        pendingBlocks.clear();
        ObjectNode o = base(e, "result");
        o.put("subtype", subtype);
        o.put("is_error", isError);
        o.put("duration_ms", durationMs);
        o.put("num_turns", turns);
        o.put("result", result);
        o.put("session_id", sessionId);
        o.put("total_cost_usd", cost.total());
        o.set("usage", usageJson(usage));
        o.putArray("permission_denials");
        out.add(o);
        return out;
    }

    private ObjectNode assistant(Event e, ObjectNode block) {
        ObjectNode o = base(e, "assistant");
        ObjectNode msg = o.putObject("message");
        msg.put("id", messageId);
        msg.put("type", "message");
        msg.put("role", "assistant");
        msg.put("model", model);
        msg.putArray("content").add(block);
        msg.putNull("stop_reason");
        msg.putNull("stop_sequence");
        msg.set("usage", usageJson(lastUsage));
        o.putNull("parent_tool_use_id");
        o.put("session_id", sessionId);
        return o;
    }

    private ObjectNode base(Event e, String type) {
        ObjectNode o = Events.mapper().createObjectNode();
        o.put("type", type);
        o.put("uuid", UUID.nameUUIDFromBytes((e.runId() + "/" + e.seq() + "/" + type).getBytes(StandardCharsets.UTF_8)).toString());
        return o;
    }

    private static ObjectNode block(String type, String field, String value) {
        ObjectNode b = Events.mapper().createObjectNode();
        b.put("type", type);
        b.put(field, value);
        return b;
    }

    private static JsonNode usageJson(Usage u) {
        ObjectNode o = Events.mapper().createObjectNode();
        o.put("input_tokens", u.inputTokens());
        o.put("cache_creation_input_tokens", u.cacheCreationInputTokens());
        o.put("cache_read_input_tokens", u.cacheReadInputTokens());
        o.put("output_tokens", u.outputTokens());
        return o;
    }
}
