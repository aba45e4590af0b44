package io.agentbox.testkit;

import static io.agentbox.testkit.SdkClients.client;
import static io.agentbox.testkit.SdkClients.events;
import static io.agentbox.testkit.SdkClients.params;
import static io.agentbox.testkit.SdkClients.stream;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamingTest {

    @Test
    void streamsTextInManySmallDeltas() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            String text = "Hello from the scripted model, streamed in small pieces.";
            fake.enqueue(Reply.text(text));
            AnthropicClient client = client(fake);

            List<RawMessageStreamEvent> events = events(client, params("hi"));

            List<String> deltas = events.stream()
                    .flatMap(e -> e.contentBlockDelta().stream())
                    .flatMap(d -> d.delta().text().stream())
                    .map(t -> t.text())
                    .toList();
            assertThat(deltas).hasSize((text.length() + 7) / 8).allSatisfy(d -> assertThat(d.length()).isLessThanOrEqualTo(8));
            assertThat(String.join("", deltas)).isEqualTo(text);
            assertThat(events.getFirst().isMessageStart()).isTrue();
            assertThat(events.getLast().isMessageStop()).isTrue();
        }
    }

    @Test
    void accumulatesTextMessageWithIdsModelAndStopReason() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.text("Done."));

            Message message = stream(client(fake), params("hi"));

            assertThat(message.id()).matches("msg_01[0-9A-Za-z]{22}");
            assertThat(message.model().asString()).isEqualTo("claude-sonnet-4-5");
            assertThat(message.stopReason()).contains(StopReason.END_TURN);
            assertThat(message.content()).singleElement().satisfies(b -> assertThat(b.text().orElseThrow().text()).isEqualTo("Done."));
        }
    }

    @Test
    void assemblesThinkingWithSignatureAndToolInputFromChunks() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            Map<String, Object> input = Map.of("file_path", "/workspace/a.py", "content", "print('héllo 🌍')\n".repeat(5));
            fake.enqueue(Reply.builder()
                    .thinking("Let me think about the file carefully first.", "sig-abc123")
                    .text("I'll create it.")
                    .toolUse("Write", input)
                    .build());

            Message message = stream(client(fake), params("write a.py"));

            List<ContentBlock> content = message.content();
            assertThat(content).hasSize(3);
            assertThat(content.get(0).thinking().orElseThrow().thinking()).isEqualTo("Let me think about the file carefully first.");
            assertThat(content.get(0).thinking().orElseThrow().signature()).isEqualTo("sig-abc123");
            assertThat(content.get(1).text().orElseThrow().text()).isEqualTo("I'll create it.");
            var toolUse = content.get(2).toolUse().orElseThrow();
            assertThat(toolUse.id()).matches("toolu_01[0-9A-Za-z]{22}");
            assertThat(toolUse.name()).isEqualTo("Write");
            assertThat(toolUse._input().convert(JsonNode.class)).isEqualTo(Json.MAPPER.valueToTree(input));
            assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
        }
    }

    @Test
    void reportsScriptedUsageExactlyIncludingCacheTokens() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.builder().text("cached").usage(1200, 345, 6000, 70000).build());

            Message message = stream(client(fake), params("hi"));

            assertThat(message.usage().inputTokens()).isEqualTo(1200);
            assertThat(message.usage().outputTokens()).isEqualTo(345);
            assertThat(message.usage().cacheCreationInputTokens()).contains(6000L);
            assertThat(message.usage().cacheReadInputTokens()).contains(70000L);
        }
    }

    @Test
    void estimatesUsageWhenTheScriptGivesNone() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.text("x".repeat(400)));

            Message message = stream(client(fake), params("a prompt of some length ".repeat(40)));

            assertThat(message.usage().inputTokens()).isBetween(200L, 400L);
            assertThat(message.usage().outputTokens()).isEqualTo(100);
            assertThat(message.usage().cacheReadInputTokens()).contains(0L);
        }
    }

    @Test
    void honoursChunkSizeOfServerAndReplyWithoutSplittingSurrogatePairs() {
        try (FakeAnthropic fake = FakeAnthropic.builder().chunkSize(3).start()) {
            String text = "a🌍b🌍c🌍d🌍é";
            fake.enqueue(Reply.text(text), Reply.builder().text(text).chunkSize(1).build());
            AnthropicClient client = client(fake);

            List<String> serverChunks = textDeltas(events(client, params("1")));
            List<String> replyChunks = textDeltas(events(client, params("2")));

            assertThat(serverChunks).containsExactly("a🌍b", "🌍c🌍", "d🌍é");
            assertThat(replyChunks).hasSize(text.codePointCount(0, text.length()));
            assertThat(String.join("", replyChunks)).isEqualTo(text);
        }
    }

    @Test
    void reportsStopReasonsStopSequenceModelOverrideAndRedactedThinking() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(
                    Reply.builder().text("truncat").stopReason(io.agentbox.testkit.StopReason.MAX_TOKENS).build(),
                    Reply.builder().redactedThinking("EmwKAhgBEgy3va3pzix").text("one, two").stopSequence("three").model("claude-opus-4-1").build());
            AnthropicClient client = client(fake);

            Message first = stream(client, params("1"));
            Message second = stream(client, params("2"));

            assertThat(first.stopReason()).contains(StopReason.MAX_TOKENS);
            assertThat(second.stopReason()).contains(StopReason.STOP_SEQUENCE);
            assertThat(second.stopSequence()).contains("three");
            assertThat(second.model().asString()).isEqualTo("claude-opus-4-1");
            assertThat(second.content().getFirst().redactedThinking().orElseThrow().data()).isEqualTo("EmwKAhgBEgy3va3pzix");
        }
    }

    @Test
    void givesEachResponseFreshToolUseIdsUnlessTheScriptFixesThem() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            Reply generated = Reply.toolUse("Bash", Map.of("command", "ls"));
            Reply fixed = Reply.builder().toolUse("toolu_fixed", "Bash", Map.of("command", "ls")).build();
            fake.enqueue(generated, generated, fixed);
            AnthropicClient client = client(fake);

            String a = stream(client, params("1")).content().getFirst().toolUse().orElseThrow().id();
            String b = stream(client, params("2")).content().getFirst().toolUse().orElseThrow().id();
            String c = stream(client, params("3")).content().getFirst().toolUse().orElseThrow().id();

            assertThat(a).isNotEqualTo(b);
            assertThat(c).isEqualTo("toolu_fixed");
        }
    }

    private static List<String> textDeltas(List<RawMessageStreamEvent> events) {
        return events.stream()
                .flatMap(e -> e.contentBlockDelta().stream())
                .flatMap(d -> d.delta().text().stream())
                .map(t -> t.text())
                .toList();
    }
}
