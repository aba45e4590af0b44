package io.agentbox.testkit;

import static io.agentbox.testkit.SdkClients.client;
import static io.agentbox.testkit.SdkClients.params;
import static io.agentbox.testkit.SdkClients.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.models.messages.Message;
import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.ErrorCategory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptJsonTest {

    @Test
    void playsAJsonScriptFileStepByStep() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.load(resource("coding-task.json"));
            AnthropicClient client = client(fake);

            Message first = stream(client, params("write a.py"));
            assertThat(first.content()).hasSize(3);
            assertThat(first.content().get(0).thinking().orElseThrow().signature()).isEqualTo("sig-1");
            var write = first.content().get(2).toolUse().orElseThrow();
            assertThat(write.id()).isEqualTo("toolu_01write");
            assertThat(write._input().convert(JsonNode.class).path("content").asText()).isEqualTo("print(1)\n");
            assertThat(first.usage().inputTokens()).isEqualTo(1000);
            assertThat(first.usage().cacheCreationInputTokens()).contains(200L);

            assertThatThrownBy(() -> stream(client, params("2")))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.headers().values("retry-after-ms")).containsExactly("20"));
            assertThatThrownBy(() -> stream(client, params("3"))).isInstanceOf(AnthropicIoException.class);
            assertThatThrownBy(() -> stream(client, params("4"))).isInstanceOf(SseException.class);

            Message last = stream(client, params("5"));
            assertThat(last.content().getFirst().text().orElseThrow().text()).isEqualTo("Done.");
            assertThat(last.usage().outputTokens()).isEqualTo(5);
            assertThat(fake.pending()).isZero();
        }
    }

    @Test
    void perConversationModeFromTheFileReplaysTheScriptInEachConversation() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.load(Script.load(resource("per-conversation.json")).perConversation());
            AnthropicClient client = client(fake);

            for (int conversation = 0; conversation < 3; conversation++) {
                Message one = stream(client, params("go"));
                Message two = stream(client, params("go").toBuilder().addMessage(one).addUserMessage("next").build());
                assertThat(one.content().getFirst().text().orElseThrow().text()).isEqualTo("step one");
                assertThat(two.content().getFirst().text().orElseThrow().text()).isEqualTo("step two");
            }
            assertThat(fake.messageRequests()).hasSize(6);
        }
    }

    @Test
    void aScriptWrittenInJavaSurvivesTheRoundTripThroughJson() {
        Script script = Script.of(
                Reply.builder()
                        .thinking("t", "s")
                        .redactedThinking("r")
                        .text("x")
                        .toolUse("Bash", Map.of("command", "ls -la", "timeout", 5))
                        .toolUse("toolu_01fixed", "Read", Map.of("file_path", "/a"))
                        .usage(1, 2, 3, 4)
                        .model("m")
                        .firstByteDelay(Duration.ofMillis(5))
                        .chunkDelay(Duration.ofMillis(6))
                        .chunkSize(7)
                        .build(),
                Reply.builder().text("stop").stopSequence("END").build(),
                Reply.builder().text("long").stopReason(StopReason.MAX_TOKENS).build(),
                Failure.rateLimited(Duration.ofMillis(1500)),
                Failure.overloaded().withHeader("x-should-retry", "true"),
                Failure.cutAfterEvents(3),
                Failure.errorEvent(4, "api_error", "boom", Reply.text("partial")));

        assertThat(Script.parse(script.toJson())).isEqualTo(script);
        assertThat(Script.parse(script.perConversation().toJson()).mode()).isEqualTo(Script.Mode.PER_CONVERSATION);
    }

    @Test
    void shorthandsFillInTheRealApisDefaults() {
        Script script = Script.parse("""
                [{"text": "hi"},
                 {"content": [{"type": "tool_use", "name": "Bash", "input": {"command": "ls"}}]},
                 {"error": 529},
                 {"text": "s", "stop_sequence": "###"}]""");

        assertThat(script.mode()).isEqualTo(Script.Mode.QUEUE);
        assertThat(((Reply) script.steps().get(0)).stopReason()).isEqualTo(StopReason.END_TURN);
        assertThat(((Reply) script.steps().get(1)).stopReason()).isEqualTo(StopReason.TOOL_USE);
        assertThat(script.steps().get(2)).isInstanceOfSatisfying(Failure.HttpError.class, e -> {
            assertThat(e.status()).isEqualTo(529);
            assertThat(e.type()).isEqualTo("overloaded_error");
        });
        assertThat(((Reply) script.steps().get(3)).stopReason()).isEqualTo(StopReason.STOP_SEQUENCE);
    }

    @Test
    void mistakesAreReportedWithWhereTheyAre(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> Script.parse("[{\"text\": \"a\"}, {\"txt\": \"b\"}]"))
                .isInstanceOfSatisfying(ScriptException.class, e -> assertThat(e.category()).isEqualTo(ErrorCategory.CONFIG))
                .hasMessageContaining("step 1")
                .hasMessageContaining("unknown key \"txt\"");
        assertThatThrownBy(() -> Script.parse("[{\"content\": [{\"type\": \"image\"}]}]"))
                .hasMessageContaining("step 0.content[0]")
                .hasMessageContaining("unknown block type \"image\"");
        assertThatThrownBy(() -> Script.parse("[{\"content\": [{\"type\": \"tool_use\", \"name\": \"Bash\", \"input\": \"ls\"}]}]"))
                .hasMessageContaining("input must be a JSON object");
        assertThatThrownBy(() -> Script.parse("[{\"text\": \"a\", \"stop_reason\": \"done\"}]"))
                .hasMessageContaining("unknown stop_reason 'done'");
        assertThatThrownBy(() -> Script.parse("{\"mode\": \"loop\", \"steps\": []}")).hasMessageContaining("mode must be");
        assertThatThrownBy(() -> Script.parse("[{\"error\": {\"status\": 200}}]")).hasMessageContaining("400-599");
        assertThatThrownBy(() -> Script.parse("[{\"text\": ")).hasMessageContaining("not valid JSON");

        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"steps\": 3}");
        assertThatThrownBy(() -> Script.load(broken)).hasMessageContaining(broken.toString());
        assertThatThrownBy(() -> Script.load(dir.resolve("missing.json"))).hasMessageContaining("cannot read script");
    }

    static Path resource(String name) {
        try {
            return Path.of(ScriptJsonTest.class.getResource("/scripts/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
