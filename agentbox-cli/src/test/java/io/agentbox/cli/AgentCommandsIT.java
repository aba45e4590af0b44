package io.agentbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.OtlpReceiver;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code run}, {@code chat} and {@code demo} through the packaged CLI, against the scripted fake
 * Messages API (real HTTP and SSE, so the real anthropic-java client runs) and real sandboxes.
 */
class AgentCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path home;
    private static SandboxProvider provider;
    private FakeAnthropic model;
    private AgentboxProcess agentbox;

    @BeforeAll
    static void createHome() throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "abx");
        provider = Sandboxes.local(home);
    }

    @BeforeEach
    void startModel() {
        model = FakeAnthropic.start();
        agentbox = new AgentboxProcess(home).withEnv(Map.of("ANTHROPIC_API_KEY", "sk-test-key", "ANTHROPIC_BASE_URL", model.baseUrl()));
    }

    @AfterEach
    void stopModelAndSandboxes() {
        model.close();
        provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
    }

    @AfterAll
    static void removeHome() throws IOException {
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static Reply bash(String command) {
        return Reply.builder().toolUse("Bash", Map.of("command", command)).usage(1000, 50).build();
    }

    private static Reply answer(String text) {
        return Reply.builder().text(text).usage(1200, 30).build();
    }

    @Test
    void withoutAnApiKeyRunFailsAtOnceNamingTheVariable(@TempDir Path emptyDir) {
        AgentboxProcess noKey = new AgentboxProcess(home).withEnv(Map.of("ANTHROPIC_BASE_URL", model.baseUrl())).in(emptyDir);
        AgentboxProcess.Result r = noKey.run("run", "say hi");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines().toList()).hasSize(1);
        assertThat(r.stderr()).startsWith("agentbox: ").contains("ANTHROPIC_API_KEY");
        assertThat(model.requests()).as("no model call").isEmpty();
        assertThat(provider.list(SandboxQuery.ALL)).as("no sandbox").isEmpty();

        AgentboxProcess.Result chat = noKey.run("hello\n".getBytes(StandardCharsets.UTF_8), "chat");
        assertThat(chat.exitCode()).isEqualTo(2);
        assertThat(chat.stderr()).contains("ANTHROPIC_API_KEY");
    }

    @Test
    void runStreamsToolCallsAndTheAnswerThenKillsItsSandbox() {
        model.enqueue(
                Reply.builder().text("Let me check.").toolUse("Write", Map.of("file_path", "/workspace/hello.py", "content", "print('hello from the sandbox')\n")).usage(900, 40).build(),
                bash("python3 hello.py"),
                answer("It printed: hello from the sandbox"));
        AgentboxProcess.Result r = agentbox.run("run", "Write hello.py and run it");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("Let me check.\nIt printed: hello from the sandbox\n");
        assertThat(r.stderr()).contains("● Write(/workspace/hello.py)").contains("● Bash(python3 hello.py)")
                .contains("⎿ hello from the sandbox").containsPattern("✓ done · \\S+ · 3 turns · [\\d,]+ in / [\\d,]+ out tokens · \\$\\d+\\.\\d{4}")
                .doesNotContain("\033[");
        // the tool really ran in the sandbox: the model saw its output
        assertThat(model.messageRequests().get(2).body().toString()).contains("hello from the sandbox");
        assertThat(provider.list(SandboxQuery.ALL)).as("a run without --keep kills its sandbox").isEmpty();
    }

    @Test
    void runExportsItsTraceOverOtlpWhenAnEndpointIsSet() throws IOException {
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            model.enqueue(bash("echo traced"), answer("done"));
            AgentboxProcess traced = agentbox.withEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()));
            AgentboxProcess.Result r = traced.run("run", "--output-format", "stream-json", "trace this");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            String traceId = JSON.readTree(r.stdout().lines().findFirst().orElseThrow()).at("/data/traceId").asText();
            assertThat(traceId).matches("[0-9a-f]{32}");
            receiver.await(s -> s.traceId().equals(traceId) && s.name().equals("invoke_agent agentbox"), java.time.Duration.ofSeconds(10));
            List<OtlpReceiver.ReceivedSpan> spans = receiver.spans().stream().filter(s -> s.traceId().equals(traceId)).toList();
            assertThat(spans.stream().map(OtlpReceiver.ReceivedSpan::name))
                    .contains("invoke_agent agentbox", "execute_tool Bash", "sandbox.exec").filteredOn(n -> n.startsWith("chat ")).hasSize(2);
            assertThat(spans).allSatisfy(s -> assertThat(s.attributes().toString()).doesNotContain("sk-test-key").doesNotContain("trace this"));
        }
    }

    @Test
    void jsonOutputIsOneObjectWithUsageAndCost() throws IOException {
        model.enqueue(bash("echo 42"), answer("The answer is 42."));
        AgentboxProcess.Result r = agentbox.run("run", "--output-format", "json", "What is 6*7?");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout().lines().toList()).hasSize(1);
        JsonNode o = JSON.readTree(r.stdout());
        assertThat(o.get("runId").asText()).startsWith("run_");
        assertThat(o.get("status").asText()).isEqualTo("succeeded");
        assertThat(o.get("result").asText()).isEqualTo("The answer is 42.");
        assertThat(o.get("turns").asInt()).isEqualTo(2);
        assertThat(o.at("/usage/inputTokens").asLong()).isEqualTo(2200);
        assertThat(o.at("/usage/outputTokens").asLong()).isEqualTo(80);
        assertThat(o.at("/cost/total").decimalValue()).isPositive();
        assertThat(o.get("error").isNull()).isTrue();
    }

    @Test
    void streamJsonIsGaplessEventsAndClaudeStreamJsonHasClaudeCodesShapes() throws IOException {
        model.enqueue(bash("true"), answer("ok"));
        AgentboxProcess.Result events = agentbox.run("run", "--output-format", "stream-json", "go");
        assertThat(events.exitCode()).as(events.toString()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String l : events.stdout().lines().toList()) lines.add(JSON.readTree(l));
        for (int i = 0; i < lines.size(); i++) assertThat(lines.get(i).get("seq").asLong()).isEqualTo(i + 1);
        assertThat(lines.getFirst().get("type").asText()).isEqualTo("run.started");
        assertThat(lines.getLast().get("type").asText()).isEqualTo("run.completed");
        assertThat(lines).anySatisfy(e -> assertThat(e.get("type").asText()).isEqualTo("tool.call"));

        model.enqueue(bash("true"), answer("ok"));
        AgentboxProcess.Result claude = agentbox.run("run", "--output-format", "claude-stream-json", "go");
        assertThat(claude.exitCode()).as(claude.toString()).isZero();
        List<String> claudeLines = claude.stdout().lines().toList();
        JsonNode init = JSON.readTree(claudeLines.getFirst());
        assertThat(init.get("type").asText()).isEqualTo("system");
        assertThat(init.get("subtype").asText()).isEqualTo("init");
        JsonNode result = JSON.readTree(claudeLines.getLast());
        assertThat(result.get("type").asText()).isEqualTo("result");
        assertThat(result.get("is_error").asBoolean()).isFalse();
        assertThat(result.get("num_turns").asInt()).isEqualTo(2);
        assertThat(result.get("total_cost_usd").asDouble()).isPositive();
        assertThat(result.get("result").asText()).isEqualTo("ok");
    }

    @Test
    void limitsMapToTheirExitCodesAndQuietPrintsOnlyTheResult() {
        model.enqueue(bash("true"), bash("true"));
        AgentboxProcess.Result maxTurns = agentbox.run("run", "--max-turns", "1", "--quiet", "loop forever");
        assertThat(maxTurns.exitCode()).as(maxTurns.toString()).isEqualTo(3);
        assertThat(maxTurns.stdout()).isEmpty();
        assertThat(maxTurns.stderr()).startsWith("agentbox: max_turns");

        model.reset();
        model.enqueue(answer("just this"));
        AgentboxProcess.Result quiet = agentbox.run("run", "-q", "say it");
        assertThat(quiet.exitCode()).as(quiet.toString()).isZero();
        assertThat(quiet.stdout()).isEqualTo("just this\n");
        assertThat(quiet.stderr()).isEmpty();
    }

    @Test
    void promptFromStdinReachesTheModelByteForByte() {
        String prompt = "Quotes \" ' and $(rm -rf /) `whoami` ünïcødé ✓\nsecond line";
        model.enqueue(answer("noted"));
        AgentboxProcess.Result r = agentbox.run(prompt.getBytes(StandardCharsets.UTF_8), "run", "--quiet");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        JsonNode first = model.messageRequests().getFirst().body().at("/messages/0/content");
        String sent = first.isTextual() ? first.asText() : first.get(0).get("text").asText();
        assertThat(sent).isEqualTo(prompt);
    }

    @Test
    void uploadBeforeAndDownloadAfterTheRunEvenWhenItFails(@TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("in");
        Files.createDirectories(in.resolve("data"));
        Files.writeString(in.resolve("data/numbers.txt"), "3\n4\n");
        Path out = tmp.resolve("out");
        model.enqueue(bash("paste -sd+ data/numbers.txt | bc > sum.txt || awk '{s+=$1} END {print s}' data/numbers.txt > sum.txt"), bash("true"));
        AgentboxProcess.Result r = agentbox.run("run", "--upload", in.toString(), "--download", out.toString(), "--max-turns", "1", "-q", "sum the numbers");
        assertThat(r.exitCode()).as("max turns reached: " + r).isEqualTo(3);
        assertThat(Files.readString(out.resolve("sum.txt")).strip()).isEqualTo("7");
        assertThat(Files.readString(out.resolve("data/numbers.txt"))).isEqualTo("3\n4\n");
    }

    @Test
    void continueResumesTheConversationAndTheKeptSandbox() {
        model.enqueue(bash("echo first-turn > memo.txt"), answer("Saved."));
        AgentboxProcess.Result first = agentbox.run("run", "--keep", "remember this");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.stderr()).contains("kept for 30m");
        assertThat(provider.list(SandboxQuery.ALL)).hasSize(1);

        model.enqueue(bash("cat memo.txt"), answer("It says first-turn."));
        AgentboxProcess.Result second = agentbox.run("run", "--continue", "what did you save?");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.stderr()).contains("⎿ first-turn").contains("kept from the last turn");
        // the whole conversation went back to the model as real messages
        JsonNode messages = model.messageRequests().get(2).body().get("messages");
        assertThat(messages.get(0).toString()).contains("remember this");
        assertThat(messages.toString()).contains("Saved.").contains("what did you save?");
        assertThat(provider.list(SandboxQuery.ALL)).as("the session's sandbox is kept").hasSize(1);

        AgentboxProcess.Result unknown = agentbox.run("run", "--session", "ses_nope", "hi");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr()).startsWith("agentbox: no session 'ses_nope'");
    }

    @Test
    void chatKeepsOneSessionAcrossTurnsWithCostAndExit() {
        model.enqueue(bash("echo hi > a.txt"), answer("Wrote it."), bash("cat a.txt"), answer("It says hi."));
        AgentboxProcess.Result r = agentbox.run("write a file\n/cost\nread it back\n/exit\n".getBytes(StandardCharsets.UTF_8), "chat");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("Wrote it.").contains("It says hi.");
        assertThat(r.stderr()).contains("agentbox chat · session ses_").containsPattern("session ses_\\S+ · 2 turns · [\\d,]+ in")
                .contains("⎿ hi");
        assertThat(model.messageRequests()).hasSize(4);
        assertThat(model.messageRequests().get(3).body().get("messages").toString()).contains("write a file").contains("read it back");
    }

    @Test
    void ctrlCCancelsTheRunAndLeavesNoSandbox(@TempDir Path tmp) throws Exception {
        model.enqueue(bash("sleep 600"));
        Process p = agentbox.start(tmp.resolve("out"), tmp.resolve("err"), "run", "wait a long time");
        try {
            Instant deadline = Instant.now().plusSeconds(30);
            while (provider.list(SandboxQuery.ALL).isEmpty() || model.messageRequests().isEmpty() || !commandRunning()) {
                assertThat(Instant.now()).as("the run starts its command").isBefore(deadline);
                Thread.sleep(50);
            }
            new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("ends within seconds of Ctrl-C").isTrue();
            assertThat(p.exitValue()).isEqualTo(130);
            assertThat(Files.readString(tmp.resolve("err"))).contains("■ canceled");
            assertThat(provider.list(SandboxQuery.ALL)).isEmpty();
        } finally {
            p.destroyForcibly();
        }
    }

    private static boolean commandRunning() {
        return provider.list(SandboxQuery.ALL).stream()
                .anyMatch(s -> provider.connect(s.id()).commands().run(Command.of("pgrep", "-f", "sleep 600")).isSuccess());
    }

    @Test
    void demoRunsAScriptedSessionWithoutAKey(@TempDir Path emptyDir) {
        AgentboxProcess.Result r = new AgentboxProcess(home).in(emptyDir).run("demo");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stderr()).contains("scripted demo model").contains("● Bash(python3 fizzbuzz.py)").contains("✓ done");
        assertThat(r.stdout()).contains("16, 17, Fizz, 19, Buzz");
        assertThat(provider.list(SandboxQuery.ALL)).isEmpty();
    }

    @Test
    void badRunFlagsAreUsageErrors() {
        AgentboxProcess.Result format = agentbox.run("run", "--output-format", "xml", "hi");
        assertThat(format.exitCode()).isEqualTo(2);
        assertThat(format.stderr()).startsWith("agentbox: unknown output format 'xml'");
        AgentboxProcess.Result mode = agentbox.run("run", "--permission-mode", "yolo", "hi");
        assertThat(mode.exitCode()).isEqualTo(2);
        assertThat(mode.stderr().lines().toList()).hasSize(1);
        AgentboxProcess.Result both = agentbox.run("run", "--continue", "--session", "ses_x", "hi");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(model.requests()).isEmpty();
    }
}
