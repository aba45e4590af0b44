package io.agentbox.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.event.EventData;
import io.agentbox.testkit.RecordedRequest;
import io.agentbox.testkit.Reply;
import io.agentbox.testkit.StopReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Compaction, extended thinking and responses cut at max_tokens. */
class ConversationTest {
    @RegisterExtension
    final Harness h = new Harness();

    @Test
    void nearTheContextWindowOlderTurnsAreSummarizedIntoRealMessages() {
        h.fake().enqueue(
                Reply.builder().toolUse("Bash", Map.of("command", "echo one")).usage(1000, 10).build(),
                Reply.builder().toolUse("Bash", Map.of("command", "echo two")).usage(9000, 10).build(),
                Reply.builder().text("SUMMARY: ran echo one and echo two").usage(9000, 50).build(),
                Reply.builder().text("all done").usage(500, 5).build());
        Harness.Events events = new Harness.Events();
        AgentResult r = h.agent().contextWindow(10_000).build().run("do things", events);
        assertThat(r.isSuccess()).as(r.error().toString()).isTrue();
        assertThat(r.result()).isEqualTo("all done");
        List<EventData.Compaction> compactions = events.of(EventData.Compaction.class);
        assertThat(compactions).hasSize(1);
        assertThat(compactions.getFirst().messagesBefore()).isEqualTo(5);
        assertThat(compactions.getFirst().messagesAfter()).isEqualTo(3);
        List<RecordedRequest> reqs = h.fake().messageRequests();
        assertThat(reqs).hasSize(4);
        assertThat(reqs.get(2).lastUserText()).contains("Write a summary");
        List<JsonNode> after = reqs.get(3).messages();
        assertThat(after).hasSize(3);
        assertThat(after.getFirst().path("content").get(0).path("text").asText()).contains("SUMMARY: ran echo one and echo two");
        assertThat(after.get(1).path("content").get(0).path("input").path("command").asText()).isEqualTo("echo two");
        assertThat(after.get(2).path("content").get(0).path("tool_use_id").asText()).isEqualTo(after.get(1).path("content").get(0).path("id").asText());
    }

    @Test
    void thinkingBlocksAreStreamedAndKeptWithTheirSignatures() {
        h.fake().enqueue(Reply.builder().thinking("Let me think about it.", "sig-abc123").toolUse("Bash", Map.of("command", "echo hi")).build(),
                Reply.builder().thinking("Now answer.", "sig-def456").text("hi!").build());
        Harness.Events events = new Harness.Events();
        AgentResult r = h.agent().thinkingBudget(2048).maxTokens(1000).build().run("think", events);
        assertThat(r.isSuccess()).isTrue();
        assertThat(events.of(EventData.Thinking.class)).extracting(EventData.Thinking::thinking).containsExactly("Let me think about it.", "Now answer.");
        assertThat(events.types()).contains("thinking.delta");
        JsonNode body = h.fake().lastRequest().body();
        assertThat(body.path("thinking").path("type").asText()).isEqualTo("enabled");
        assertThat(body.path("thinking").path("budget_tokens").asInt()).isEqualTo(2048);
        assertThat(body.path("max_tokens").asInt()).isGreaterThan(2048);
        JsonNode first = body.path("messages").get(1).path("content").get(0);
        assertThat(first.path("type").asText()).isEqualTo("thinking");
        assertThat(first.path("thinking").asText()).isEqualTo("Let me think about it.");
        assertThat(first.path("signature").asText()).isEqualTo("sig-abc123");
        assertThat(h.fake().lastRequest().header("anthropic-beta").orElse("")).contains("interleaved-thinking");
    }

    @Test
    void aResponseCutAtMaxTokensContinuesInsteadOfFailing() {
        h.fake().enqueue(Reply.builder().text("The first half").stopReason(StopReason.MAX_TOKENS).build(),
                Reply.text(" and the second half."));
        AgentResult r = h.agent().build().run("long answer", new Harness.Events());
        assertThat(r.isSuccess()).isTrue();
        assertThat(r.result()).isEqualTo(" and the second half.");
        RecordedRequest second = h.fake().lastRequest();
        assertThat(second.messages()).hasSize(3);
        assertThat(second.messages().get(1).path("content").get(0).path("text").asText()).isEqualTo("The first half");
        assertThat(second.lastUserText()).contains("cut off");
    }
}
