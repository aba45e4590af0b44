package io.agentbox.testkit;

import static io.agentbox.testkit.SdkClients.client;
import static io.agentbox.testkit.SdkClients.params;
import static io.agentbox.testkit.SdkClients.stream;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.ToolResultBlockParam;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {
    private static final int CLIENTS = 50;

    @Test
    void fiftyParallelClientsEachConsumeExactlyOneQueuedReply() throws Exception {
        try (FakeAnthropic fake = FakeAnthropic.start();
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            IntStream.range(0, CLIENTS).forEach(i -> fake.enqueue(Reply.text("reply " + i + " ".repeat(i))));
            List<Future<String>> calls = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                AnthropicClient client = client(fake);
                calls.add(pool.submit(() -> stream(client, params("hi")).content().getFirst().text().orElseThrow().text()));
            }

            List<String> texts = new ArrayList<>();
            for (Future<String> call : calls) {
                texts.add(call.get().strip());
            }

            assertThat(texts).containsExactlyInAnyOrderElementsOf(IntStream.range(0, CLIENTS).mapToObj(i -> "reply " + i).toList());
            assertThat(fake.requests()).extracting(RecordedRequest::index).containsExactlyElementsOf(IntStream.range(0, CLIENTS).boxed().toList());
            assertThat(fake.pending()).isZero();
        }
    }

    @Test
    void fiftyParallelConversationsShareOnePerConversationScript() throws Exception {
        Script script = Script.of(
                Reply.builder().text("Creating the file.").toolUse("Write", Map.of("file_path", "/workspace/a.py", "content", "print(1)")).build(),
                Reply.builder().toolUse("Bash", Map.of("command", "python3 a.py")).build(),
                Reply.text("It printed 1."));
        try (FakeAnthropic fake = FakeAnthropic.start();
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            fake.load(script.perConversation());
            AnthropicClient client = client(fake);
            List<Future<List<Message>>> conversations = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int n = i;
                conversations.add(pool.submit(() -> converse(client, "task " + n)));
            }

            for (Future<List<Message>> conversation : conversations) {
                List<Message> turns = conversation.get();
                assertThat(turns).hasSize(3);
                assertThat(turns.get(0).content().get(1).toolUse().orElseThrow().name()).isEqualTo("Write");
                assertThat(turns.get(1).content().get(0).toolUse().orElseThrow().name()).isEqualTo("Bash");
                assertThat(turns.get(2).content().get(0).text().orElseThrow().text()).isEqualTo("It printed 1.");
            }
            assertThat(fake.messageRequests()).hasSize(3 * CLIENTS);
        }
    }

    /** Runs a tool loop the way an agent does: send, run the requested tool (here: pretend), send the result back. */
    private static List<Message> converse(AnthropicClient client, String task) {
        List<Message> turns = new ArrayList<>();
        MessageCreateParams request = params(task);
        while (true) {
            Message reply = stream(client, request);
            turns.add(reply);
            var toolUse = reply.content().stream().flatMap(b -> b.toolUse().stream()).findFirst();
            if (toolUse.isEmpty()) {
                return turns;
            }
            request = request.toBuilder()
                    .addMessage(reply)
                    .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
                            ToolResultBlockParam.builder().toolUseId(toolUse.get().id()).content("ok").build())))
                    .build();
        }
    }
}
