package io.agentbox.agent.tools;

import io.agentbox.agent.Agent;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.hook.HookDecision;
import io.agentbox.agent.model.AnthropicModelClient;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxFileException;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.RecordedRequest;
import io.agentbox.testkit.Reply;
import io.agentbox.testkit.sandbox.CommandResponder;
import io.agentbox.testkit.sandbox.InMemorySandboxProvider;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A custom tool, a hook and the built-in tools, run by the real loop against the in-memory sandbox provider. */
class CustomToolInMemoryTest {
    @Test
    void customToolHookAndBuiltinsRunWithoutBubblewrap() throws Exception {
        List<String> scripts = new CopyOnWriteArrayList<>();
        InMemorySandboxProvider sandboxes = InMemorySandboxProvider.builder()
                .commands(call -> {
                    scripts.add(call.script());
                    return call.script().equals("cat notes.txt")
                            ? CommandResponder.Reply.ok(new String(call.files().read("/workspace/notes.txt")))
                            : CommandResponder.Reply.notFound(call);
                })
                .build();
        Tool weather = Tool.of("weather", "Today's weather in a city",
                Schema.object().string("city", true, "City name").build(),
                ToolAccess.READ,
                (input, ctx) -> ToolOutput.ok("Sunny in " + input.get("city").asText()));
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(
                    Reply.toolUse("weather", Map.of("city", "Paris")),
                    Reply.toolUse("Write", Map.of("file_path", "/workspace/notes.txt", "content", "sunny")),
                    Reply.toolUse("Bash", Map.of("command", "cat notes.txt")),
                    Reply.toolUse("Bash", Map.of("command", "rm -rf /workspace")),
                    Reply.text("Done."));
            try (Agent agent = Agent.builder()
                    .modelClient(AnthropicModelClient.builder().apiKey("sk-test").baseUrl(fake.baseUrl()).maxRetries(0).build())
                    .sandboxProvider(sandboxes)
                    .addTool(weather)
                    .preToolUse(call -> call.name().equals("Bash") && call.input().path("command").asText().startsWith("rm")
                            ? HookDecision.deny("no deletes") : HookDecision.proceed())
                    .build()) {
                AgentResult result = agent.run("check the weather and note it", event -> {});

                assertThat(result.result()).isEqualTo("Done.");
                List<RecordedRequest> requests = fake.messageRequests();
                assertThat(requests.get(0).toolNames()).contains("weather", "Bash", "Write");
                assertThat(requests.get(1).lastToolResult().orElseThrow().content()).isEqualTo("Sunny in Paris");
                assertThat(requests.get(3).lastToolResult().orElseThrow().content()).isEqualTo("sunny");
                RecordedRequest.ToolResult denied = requests.get(4).lastToolResult().orElseThrow();
                assertThat(denied.isError()).isTrue();
                assertThat(denied.content()).contains("no deletes");
                assertThat(scripts).containsExactly("cat notes.txt");
                assertThat(sandboxes.list(SandboxQuery.ALL)).as("the run's sandbox is killed at its end").isEmpty();
            }
        }
    }

    @Test
    void inMemoryFilesBehaveLikeASandboxes() {
        InMemorySandboxProvider sandboxes = InMemorySandboxProvider.create();
        Sandbox s = sandboxes.create(SandboxSpec.builder().build());
        s.files().write("dir/a.txt", "x");
        assertThat(s.files().readText("/workspace/dir/a.txt")).isEqualTo("x");
        assertThat(s.files().list("/workspace/dir")).extracting(f -> f.name()).containsExactly("a.txt");
        s.files().move("/workspace/dir", "/tmp/moved");
        assertThat(s.files().exists("/workspace/dir/a.txt")).isFalse();
        assertThat(s.files().readText("/tmp/moved/a.txt")).isEqualTo("x");
        assertThatThrownBy(() -> s.files().read("../etc/passwd")).isInstanceOf(SandboxFileException.class)
                .extracting(e -> ((SandboxFileException) e).reason()).isEqualTo(SandboxFileException.Reason.REFUSED);
        assertThat(s.commands().run(io.agentbox.sandbox.Command.shell("python3 x.py")).exitCode()).isEqualTo(127);
        assertThat(sandboxes.kill(s.id())).isTrue();
        assertThatThrownBy(() -> s.files().read("dir/a.txt")).hasMessageContaining("sandbox not found");
    }
}
