package io.agentbox.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.RunStatus;
import io.agentbox.agent.Usage;
import io.agentbox.agent.cost.Pricing;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.testkit.RecordedRequest;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** A multi-step coding task through the real loop, client, tools and sandbox. */
class CodingTaskTest {
    @RegisterExtension
    final Harness h = new Harness();

    @Test
    void writeRunEditRerunRead() {
        h.fake().enqueue(
                Reply.builder().text("I'll write the script.").toolUse("Write", Map.of("file_path", "/workspace/fizz.py",
                        "content", "for i in range(1, 6):\n    print('fizz' if i % 3 == 0 else i)\n")).usage(1000, 100, 2000, 0).build(),
                Reply.builder().toolUse("Bash", Map.of("command", "python3 fizz.py")).usage(100, 50, 0, 3000).build(),
                Reply.builder().toolUse("Edit", Map.of("file_path", "/workspace/fizz.py", "old_string", "'fizz'", "new_string", "'Fizz'"))
                        .usage(100, 50, 0, 3100).build(),
                Reply.builder().toolUse("Bash", Map.of("command", "python3 fizz.py | tail -3")).usage(100, 50, 0, 3200).build(),
                Reply.builder().toolUse("Read", Map.of("file_path", "/workspace/fizz.py")).usage(100, 50, 0, 3300).build(),
                Reply.builder().text("Done: it prints Fizz for 3.").usage(100, 20, 0, 3400).build());
        Harness.Events events = new Harness.Events();
        AgentResult r = h.agent().build().run("Write fizzbuzz, run it, fix it, rerun and show it", events);

        assertThat(r.status()).as(r.error().toString()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(r.result()).isEqualTo("Done: it prints Fizz for 3.");
        assertThat(r.turns()).isEqualTo(6);
        assertThat(r.usage()).isEqualTo(new Usage(1500, 320, 2000, 16000));

        // exact cost: the model part is the list price of the scripted usage, the rest is sandbox time
        BigDecimal model = Pricing.defaults().modelCost("claude-sonnet-4-5", r.usage(), 0);
        assertThat(model).isEqualByComparingTo("0.0216");
        assertThat(r.cost().model()).isEqualByComparingTo(model);
        assertThat(r.cost().sandbox()).isPositive();
        assertThat(r.cost().total()).isEqualByComparingTo(r.cost().model().add(r.cost().sandbox()));

        List<Event> all = events.all();
        assertThat(all.stream().map(Event::seq).toList()).isEqualTo(LongStream.rangeClosed(1, all.size()).boxed().toList());
        assertThat(all.stream().map(Event::runId).distinct()).containsExactly(r.runId());
        assertThat(events.types().getFirst()).isEqualTo("run.started");
        assertThat(events.types().getLast()).isEqualTo("run.completed");
        assertThat(events.types()).contains("sandbox.ready", "text.delta", "text", "tool.call", "tool.result", "usage");
        List<EventData.ToolResult> results = events.of(EventData.ToolResult.class);
        assertThat(results).hasSize(5).allSatisfy(t -> assertThat(t.isError()).as(t.output()).isFalse());
        assertThat(results.get(1).output()).isEqualTo("1\n2\nfizz\n4\n5");
        assertThat(results.get(3).output()).isEqualTo("Fizz\n4\n5");
        assertThat(results.get(4).output()).contains("     2\t    print('Fizz' if i % 3 == 0 else i)");
        assertThat(events.of(EventData.ModelUsage.class)).hasSize(6);

        // the conversation travels as real messages: tool_result blocks answer each tool_use in order
        List<RecordedRequest> reqs = h.fake().messageRequests();
        assertThat(reqs).hasSize(6);
        RecordedRequest last = reqs.getLast();
        assertThat(last.messages()).hasSize(11);
        assertThat(last.lastToolResult().orElseThrow().content()).contains("print('Fizz'");
        assertThat(last.toolNames()).contains("Read", "Write", "Edit", "MultiEdit", "Bash", "Glob", "Grep", "LS", "WebFetch", "TodoWrite");
        for (int i = 1; i < last.messages().size(); i += 2) {
            JsonNode assistant = last.messages().get(i);
            JsonNode user = last.messages().get(i + 1);
            assertThat(assistant.path("role").asText()).isEqualTo("assistant");
            String toolUseId = assistant.path("content").get(assistant.path("content").size() - 1).path("id").asText();
            assertThat(user.path("content").get(0).path("tool_use_id").asText()).isEqualTo(toolUseId);
        }
        // prompt caching: system prompt, tools and the conversation tail are marked
        JsonNode body = last.body();
        assertThat(body.path("system").get(0).path("cache_control").path("type").asText()).isEqualTo("ephemeral");
        assertThat(body.path("tools").get(body.path("tools").size() - 1).has("cache_control")).isTrue();
        JsonNode tail = body.path("messages").get(body.path("messages").size() - 1).path("content");
        assertThat(tail.get(tail.size() - 1).has("cache_control")).isTrue();
        assertThat(body.path("stream").asBoolean()).isTrue();
    }

    @Test
    void independentReadsRunTogetherAndResultsStayInOrder() {
        h.fake().enqueue(
                Reply.builder().toolUse("Write", Map.of("file_path", "/workspace/a.txt", "content", "A"))
                        .toolUse("Write", Map.of("file_path", "/workspace/b.txt", "content", "B")).build(),
                Reply.builder().toolUse("Read", Map.of("file_path", "/workspace/a.txt")).toolUse("Read", Map.of("file_path", "/workspace/b.txt"))
                        .toolUse("Read", Map.of("file_path", "/workspace/missing.txt")).build(),
                Reply.text("ok"));
        AgentResult r = h.agent().build().run("read both", new Harness.Events());
        assertThat(r.isSuccess()).isTrue();
        JsonNode results = h.fake().lastRequest().messages().getLast().path("content");
        assertThat(results).hasSize(3);
        assertThat(results.get(0).path("content").asText()).contains("A");
        assertThat(results.get(1).path("content").asText()).contains("B");
        assertThat(results.get(2).path("is_error").asBoolean()).isTrue();
        JsonNode uses = h.fake().lastRequest().messages().get(h.fake().lastRequest().messages().size() - 2).path("content");
        for (int i = 0; i < 3; i++) assertThat(results.get(i).path("tool_use_id").asText()).isEqualTo(uses.get(i).path("id").asText());
    }
}
