package io.agentbox.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.ToolResultBlockParam;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's examples, verbatim, so they keep compiling and keep being true. */
class ReadmeExampleTest {

    @Test
    void quickStart() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {                    // random free port
            fake.enqueue(
                    Reply.builder()
                            .text("I'll create it.")
                            .toolUse("Write", Map.of("file_path", "/workspace/a.py", "content", "print(1)"))
                            .usage(1200, 40, 0, 5000)                         // input, output, cache write, cache read
                            .build(),
                    Failure.rateLimited(Duration.ofMillis(200)),              // 429 + retry-after
                    Reply.text("Done."));

            AnthropicClient client = AnthropicOkHttpClient.builder()
                    .baseUrl(fake.baseUrl()).apiKey("sk-test").build();
            runMyAgent(client, "write a.py");                                 // your code under test

            assertThat(fake.messageRequests()).hasSize(3);                    // the 429 was retried
            RecordedRequest last = fake.lastRequest();
            assertThat(last.lastToolResult()).hasValueSatisfying(r -> assertThat(r.isError()).isFalse());
            assertThat(last.hasApiKey("sk-test")).isTrue();                   // the key itself is never recorded
        }
    }

    @Test
    void responder() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.respondWith(request -> request.lastToolResult()
                    .<Step>map(result -> Reply.text("The command printed " + result.content().strip()))
                    .orElse(Reply.toolUse("Bash", Map.of("command", "echo 42"))));

            Message answer = runMyAgent(AnthropicOkHttpClient.builder().baseUrl(fake.baseUrl()).apiKey("sk-test").build(), "go");

            assertThat(answer.content().getFirst().text().orElseThrow().text()).isEqualTo("The command printed ok");
        }
    }

    /** A minimal agent: streams a turn, answers every tool call with "ok", until the model stops calling tools. */
    private static Message runMyAgent(AnthropicClient client, String task) {
        MessageCreateParams request = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(1024).addUserMessage(task).build();
        while (true) {
            Message reply = SdkClients.stream(client, request);
            List<ContentBlockParam> results = reply.content().stream()
                    .flatMap(b -> b.toolUse().stream())
                    .map(t -> ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId(t.id()).content("ok").build()))
                    .toList();
            if (results.isEmpty()) {
                return reply;
            }
            request = request.toBuilder().addMessage(reply).addUserMessageOfContentBlockParams(results).build();
        }
    }
}
