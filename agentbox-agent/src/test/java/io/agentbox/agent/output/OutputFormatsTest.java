package io.agentbox.agent.output;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.AgentErrorCategory;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.Cost;
import io.agentbox.agent.Usage;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.Events;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OutputFormatsTest {
    private static final Instant TS = Instant.parse("2026-11-29T10:00:00Z");
    private static final Usage USAGE = new Usage(100, 20, 30, 40);
    private static final Cost COST = Cost.of(new BigDecimal("0.0005"), new BigDecimal("0.00001"));

    private static List<Event> run(EventData terminal) {
        List<EventData> data = List.of(
                new EventData.RunStarted("ses_1", "claude-sonnet-4-5", "go", List.of("Bash", "Read"), "bypassPermissions", "/workspace"),
                new EventData.SandboxReady("sbx_1", "host", "/workspace", false),
                new EventData.TextDelta("Let me "), new EventData.Text("Let me run it."),
                new EventData.ModelUsage("claude-sonnet-4-5", "msg_1", USAGE, new BigDecimal("0.0004")),
                new EventData.ToolCall("toolu_1", "Bash", Events.mapper().createObjectNode().put("command", "echo hi")),
                new EventData.ToolResult("toolu_1", "hi", false, 4),
                new EventData.Text("Done: hi"),
                new EventData.ModelUsage("claude-sonnet-4-5", "msg_2", USAGE, new BigDecimal("0.0001")),
                terminal);
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) out.add(new Event(i + 1, "run_1", TS, data.get(i)));
        return out;
    }

    private static List<JsonNode> format(OutputFormat f, List<Event> events) throws Exception {
        EventFormatter fmt = f.newFormatter();
        List<JsonNode> out = new ArrayList<>();
        for (Event e : events) for (String line : fmt.format(e)) out.add(Events.mapper().readTree(line));
        return out;
    }

    @Test
    void jsonIsOneObjectAtTheEnd() throws Exception {
        List<JsonNode> out = format(OutputFormat.JSON, run(new EventData.RunCompleted("Done: hi", 1234, 2, USAGE, COST)));
        assertThat(out).hasSize(1);
        JsonNode o = out.getFirst();
        assertThat(o.path("runId").asText()).isEqualTo("run_1");
        assertThat(o.path("status").asText()).isEqualTo("succeeded");
        assertThat(o.path("result").asText()).isEqualTo("Done: hi");
        assertThat(o.path("turns").asInt()).isEqualTo(2);
        assertThat(o.path("durationMs").asLong()).isEqualTo(1234);
        assertThat(o.path("usage").toString()).isEqualTo(
                "{\"inputTokens\":100,\"outputTokens\":20,\"cacheCreationInputTokens\":30,\"cacheReadInputTokens\":40}");
        assertThat(o.path("cost").toString()).isEqualTo("{\"model\":0.0005,\"sandbox\":0.00001,\"total\":0.00051}");
        assertThat(o.path("error").isNull()).isTrue();
    }

    @Test
    void jsonOfAFailedRunCarriesTheTypedError() throws Exception {
        JsonNode o = format(OutputFormat.JSON, run(new EventData.RunFailed(AgentErrorCategory.MAX_TURNS, "reached 2 turns", 9, 2, USAGE, COST))).getFirst();
        assertThat(o.path("status").asText()).isEqualTo("failed");
        assertThat(o.path("error").path("category").asText()).isEqualTo("max_turns");
        assertThat(o.path("error").path("message").asText()).isEqualTo("reached 2 turns");
        JsonNode c = format(OutputFormat.JSON, run(new EventData.RunCanceled("user", 9, 2, USAGE, COST))).getFirst();
        assertThat(c.path("status").asText()).isEqualTo("canceled");
        assertThat(c.path("error").path("category").asText()).isEqualTo("canceled");
    }

    @Test
    void streamJsonIsEveryEventAsOneLine() throws Exception {
        List<Event> events = run(new EventData.RunCompleted("Done: hi", 1, 2, USAGE, COST));
        List<JsonNode> out = format(OutputFormat.STREAM_JSON, events);
        assertThat(out).hasSize(events.size());
        assertThat(out.stream().map(n -> n.path("seq").asLong())).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(Events.fromTree(out.get(5))).isEqualTo(events.get(5));
    }

    @Test
    void claudeStreamJsonHasClaudeCodesShapes() throws Exception {
        List<JsonNode> out = format(OutputFormat.CLAUDE_STREAM_JSON, run(new EventData.RunCompleted("Done: hi", 1234, 2, USAGE, COST)));
        assertThat(out.stream().map(n -> n.path("type").asText() + (n.has("subtype") ? "/" + n.path("subtype").asText() : "")))
                .containsExactly("system/init", "assistant", "assistant", "user", "assistant", "result/success");
        JsonNode init = out.getFirst();
        assertThat(init.path("session_id").asText()).isEqualTo("ses_1");
        assertThat(init.path("tools").toString()).isEqualTo("[\"Bash\",\"Read\"]");
        assertThat(init.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        JsonNode text = out.get(1).path("message");
        assertThat(text.path("id").asText()).isEqualTo("msg_1");
        assertThat(text.path("content").get(0).path("text").asText()).isEqualTo("Let me run it.");
        assertThat(text.path("usage").path("input_tokens").asLong()).isEqualTo(100);
        JsonNode toolUse = out.get(2).path("message").path("content").get(0);
        assertThat(toolUse.path("type").asText()).isEqualTo("tool_use");
        assertThat(toolUse.path("input").path("command").asText()).isEqualTo("echo hi");
        JsonNode result = out.get(3).path("message").path("content").get(0);
        assertThat(result.path("tool_use_id").asText()).isEqualTo("toolu_1");
        assertThat(result.path("content").asText()).isEqualTo("hi");
        assertThat(result.path("is_error").asBoolean()).isFalse();
        JsonNode end = out.getLast();
        assertThat(end.path("is_error").asBoolean()).isFalse();
        assertThat(end.path("result").asText()).isEqualTo("Done: hi");
        assertThat(end.path("num_turns").asInt()).isEqualTo(2);
        assertThat(end.path("duration_ms").asLong()).isEqualTo(1234);
        assertThat(end.path("total_cost_usd").decimalValue()).isEqualByComparingTo("0.00051");
        assertThat(end.path("usage").path("cache_read_input_tokens").asLong()).isEqualTo(40);
        assertThat(end.path("session_id").asText()).isEqualTo("ses_1");
        // a pure function: the same events give the same lines
        assertThat(format(OutputFormat.CLAUDE_STREAM_JSON, run(new EventData.RunCompleted("Done: hi", 1234, 2, USAGE, COST)))).isEqualTo(out);
    }

    @Test
    void claudeStreamJsonErrorSubtypes() throws Exception {
        JsonNode r = format(OutputFormat.CLAUDE_STREAM_JSON, run(new EventData.RunFailed(AgentErrorCategory.MAX_TURNS, "m", 1, 2, USAGE, COST))).getLast();
        assertThat(r.path("subtype").asText()).isEqualTo("error_max_turns");
        assertThat(r.path("is_error").asBoolean()).isTrue();
        JsonNode b = format(OutputFormat.CLAUDE_STREAM_JSON, run(new EventData.RunFailed(AgentErrorCategory.API_ERROR, "API error 500", 1, 2, USAGE, COST))).getLast();
        assertThat(b.path("subtype").asText()).isEqualTo("error_during_execution");
        assertThat(b.path("result").asText()).isEqualTo("API error 500");
    }

    @Test
    void exitCodesAreDistinctPerKindOfEnd() {
        assertThat(ExitCode.of(ErrorCategory.CONFIG).code()).isEqualTo(2);
        assertThat(ExitCode.of(AgentErrorCategory.MAX_TURNS).code()).isEqualTo(3);
        assertThat(ExitCode.of(AgentErrorCategory.BUDGET_EXCEEDED).code()).isEqualTo(4);
        assertThat(ExitCode.of(AgentErrorCategory.TIMEOUT).code()).isEqualTo(5);
        assertThat(ExitCode.of(AgentErrorCategory.API_OVERLOADED).code()).isEqualTo(6);
        assertThat(ExitCode.of(AgentErrorCategory.API_AUTH).code()).isEqualTo(7);
        assertThat(ExitCode.of(ErrorCategory.CANCELED).code()).isEqualTo(130);
        assertThat(ExitCode.of(ErrorCategory.INTERNAL).code()).isEqualTo(1);
        Event done = new Event(1, "r", TS, new EventData.RunCompleted("x", 1, 1, USAGE, COST));
        assertThat(ExitCode.of(AgentResult.of(done, "s", "")).code()).isZero();
        assertThat(java.util.Arrays.stream(ExitCode.values()).map(ExitCode::code).distinct().count()).isEqualTo(ExitCode.values().length);
    }
}
