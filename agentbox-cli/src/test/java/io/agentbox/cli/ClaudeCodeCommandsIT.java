package io.agentbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code agentbox runtime install claude-code} (npm, pinned) and runs with {@code --runtime claude-code}: the real
 * Claude Code in the sandbox, against the fake over the egress route; {@code --continue} from a second process.
 */
class ClaudeCodeCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path home;
    private static SandboxProvider provider;
    private static FakeAnthropic model;
    private static AgentboxProcess agentbox;

    @BeforeAll
    static void start() throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "abxcc");
        provider = Sandboxes.local(home);
        model = FakeAnthropic.start();
        agentbox = new AgentboxProcess(home).withEnv(Map.of("ANTHROPIC_API_KEY", "sk-test-key", "ANTHROPIC_BASE_URL", model.baseUrl()));
    }

    @AfterAll
    static void stop() throws IOException {
        model.close();
        provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void installOnceThenRunPassThroughAndContinueFromASecondProcess() throws IOException {
        AgentboxProcess.Result bad = agentbox.run("run", "--runtime", "claude", "hi");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).contains("unknown runtime 'claude' (expected native or claude-code)");
        AgentboxProcess.Result missing = agentbox.run("runtime", "status", "claude-code");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr().strip()).isEqualTo("Claude Code is not installed: run `agentbox runtime install claude-code`"
                + " (or use a template that has `claude`, e.g. `agentbox template build templates/claude-code.toml`)");

        AgentboxProcess.Result installed = agentbox.run("runtime", "install", "claude-code");
        assertThat(installed.exitCode()).as(installed.toString()).isZero();
        assertThat(installed.stdout().strip()).isEqualTo("2.1.332");
        assertThat(agentbox.run("runtime", "status", "claude-code").stdout()).startsWith("2.1.332 " + home.resolve("runtimes/claude-code/2.1.332"));

        model.enqueue(Reply.builder().toolUse("Bash", Map.of("command", "echo first-turn > memo.txt")).usage(900, 40).build(),
                Reply.builder().text("Saved.").usage(1000, 10).build());
        AgentboxProcess.Result first = agentbox.run("run", "--runtime", "claude-code", "--keep", "--output-format", "claude-stream-json", "remember this");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        List<JsonNode> lines = first.stdout().lines().map(ClaudeCodeCommandsIT::json).toList();
        assertThat(lines.getFirst().path("type").asText() + "/" + lines.getFirst().path("subtype").asText()).isEqualTo("system/init");
        assertThat(lines.getFirst().path("claude_code_version").asText()).isEqualTo("2.1.332");
        assertThat(lines.getLast().path("type").asText()).isEqualTo("result");
        assertThat(lines.getLast().path("result").asText()).isEqualTo("Saved.");
        assertThat(lines).noneMatch(l -> l.path("type").asText().equals("stream_event"));
        assertThat(provider.list(SandboxQuery.ALL)).hasSize(1);

        model.enqueue(Reply.builder().toolUse("Bash", Map.of("command", "cat memo.txt")).usage(900, 40).build(),
                Reply.builder().text("It says first-turn.").usage(1000, 10).build());
        AgentboxProcess.Result second = agentbox.run("run", "--runtime", "claude-code", "--continue", "what did you save?");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.stdout()).contains("It says first-turn.");
        // Claude Code resumed its own transcript: the earlier turn went back to the model
        JsonNode messages = model.messageRequests().get(2).body().get("messages");
        assertThat(messages.toString()).contains("remember this").contains("Saved.").contains("what did you save?");
        assertThat(model.messageRequests().get(3).lastToolResult().orElseThrow().content()).contains("first-turn");
        assertThat(provider.list(SandboxQuery.ALL)).as("the session's sandbox is kept").hasSize(1);
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }
}
