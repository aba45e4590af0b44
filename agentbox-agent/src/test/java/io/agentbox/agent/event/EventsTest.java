package io.agentbox.agent.event;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.AgentErrorCategory;
import io.agentbox.agent.Cost;
import io.agentbox.agent.Usage;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventsTest {
    private static final Instant TS = Instant.parse("2026-11-29T10:00:00.123Z");

    @Test
    void wireShapeIsExactlyTheDocumentedEnvelope() throws Exception {
        JsonNode input = Events.mapper().readTree("{\"command\":\"python3 fizzbuzz.py\"}");
        String json = Events.toJson(new Event(7, "run_01J", TS, new EventData.ToolCall("toolu_1", "Bash", input)));
        assertThat(json).isEqualTo("{\"seq\":7,\"runId\":\"run_01J\",\"ts\":\"2026-11-29T10:00:00.123Z\",\"type\":\"tool.call\","
                + "\"data\":{\"id\":\"toolu_1\",\"name\":\"Bash\",\"input\":{\"command\":\"python3 fizzbuzz.py\"}}}");
    }

    @Test
    void toolResultUsesIsErrorAndFailuresUseWireCategories() {
        assertThat(Events.toJson(new Event(1, "r", TS, new EventData.ToolResult("t", "out", true, 12))))
                .contains("\"data\":{\"id\":\"t\",\"output\":\"out\",\"isError\":true,\"durationMs\":12}");
        assertThat(Events.toJson(new Event(2, "r", TS, new EventData.RunFailed(AgentErrorCategory.API_RATE_LIMIT, "slow down", 5, 1,
                Usage.ZERO, Cost.ZERO)))).contains("\"type\":\"run.failed\"", "\"category\":\"api_rate_limit\"");
    }

    @Test
    void everyTypeRoundTripsWithItsWireName() {
        Usage u = new Usage(1, 2, 3, 4);
        Cost c = Cost.of(new BigDecimal("0.000123"), new BigDecimal("0.0000045"));
        List<EventData> all = List.of(
                new EventData.RunStarted("ses_1", "claude-sonnet-4-5", "hi \"there\"\n$(x)", List.of("Bash"), "default", "/workspace"),
                new EventData.SandboxReady("sbx", "host", "/workspace", false),
                new EventData.SandboxRecreated("old", "new", "expired"),
                new EventData.TextDelta("He"), new EventData.Text("Hello ✓"),
                new EventData.ThinkingDelta("hm"), new EventData.Thinking("hmm"),
                new EventData.ToolCall("t", "Read", Events.mapper().createObjectNode().put("file_path", "/a")),
                new EventData.ToolResult("t", "x", false, 3),
                new EventData.PermissionRequest("t", "Bash", Events.mapper().createObjectNode()),
                new EventData.ModelUsage("m", "msg_1", u, new BigDecimal("0.001")),
                new EventData.Retry(1, 4, 500, AgentErrorCategory.API_OVERLOADED, 529, "overloaded"),
                new EventData.Compaction(10, 3, 170000),
                new EventData.RunCompleted("done", 10, 2, u, c),
                new EventData.RunFailed(AgentErrorCategory.MAX_TURNS, "max", 10, 2, u, c),
                new EventData.RunCanceled("user", 10, 2, u, c));
        List<String> types = all.stream().map(EventData::type).toList();
        assertThat(types).containsExactly("run.started", "sandbox.ready", "sandbox.recreated", "text.delta", "text",
                "thinking.delta", "thinking", "tool.call", "tool.result", "permission.request", "usage", "retry",
                "compaction", "run.completed", "run.failed", "run.canceled");
        long seq = 1;
        for (EventData d : all) {
            Event e = new Event(seq++, "run_x", TS, d);
            Event back = Events.fromJson(Events.toJson(e));
            assertThat(back).isEqualTo(e);
        }
        assertThat(all.stream().filter(EventData::isTerminal).map(EventData::type))
                .containsExactly("run.completed", "run.failed", "run.canceled");
    }

    @Test
    void costsAreWrittenAsPlainDecimals() {
        String json = Events.toJson(new Event(1, "r", TS, new EventData.RunCompleted("", 1, 1, Usage.ZERO,
                Cost.of(new BigDecimal("1E-7"), BigDecimal.ZERO))));
        assertThat(json).contains("\"cost\":{\"model\":0.0000001,\"sandbox\":0,\"total\":0.0000001}");
    }

    @Test
    void unknownOrMalformedEventsAreRejectedClearly() {
        assertThatThrownBy(() -> Events.fromJson("{\"seq\":1,\"runId\":\"r\",\"ts\":\"2026-01-01T00:00:00Z\",\"type\":\"nope\",\"data\":{}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
        assertThatThrownBy(() -> Events.fromJson("not json")).isInstanceOf(IllegalArgumentException.class);
    }
}
