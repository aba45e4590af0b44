package io.agentbox.agent.it;

import io.agentbox.ErrorCategory;
import io.agentbox.agent.AgentErrorCategory;
import io.agentbox.agent.Agent;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.AgentRun;
import io.agentbox.agent.ClaudeCodeRuntime;
import io.agentbox.agent.RunStatus;
import io.agentbox.agent.Usage;
import io.agentbox.agent.claudecode.ClaudeCodeInstall;
import io.agentbox.agent.cost.Pricing;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.output.ExitCode;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.testkit.Failure;
import io.agentbox.testkit.RecordedRequest;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The real Claude Code (test-deps, pinned) as the runtime, in real sandboxes, against the fake over the egress route. */
class ClaudeCodeRuntimeTest {
    @RegisterExtension
    final Harness h = new Harness();

    /** A command that waits until it is killed. */
    private static final String BLOCKS = "tail -f /dev/null";

    /** The key, as a pattern that does not contain it: a grep for it puts no copy of it into the sandbox. */
    private static final String KEY_PATTERN = "s[k]-ant-test-" + Harness.API_KEY.substring("sk-ant-test-".length());

    private Agent.Builder agent(ClaudeCodeRuntime runtime) {
        return h.agent().runtime(runtime);
    }

    /** A sandbox made as the CLI and server make it: the user's spec through the runtime's. */
    private Sandbox sandbox(ClaudeCodeRuntime runtime) {
        return h.provider().create(runtime.sandboxSpec(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).build(), h.client(0)));
    }

    @Test
    void aCodingTaskWithToolEventsExactCostAProjectClaudeMdAndTheKeyOnlyAtTheEgress() {
        ClaudeCodeRuntime runtime = ClaudeCode.runtime(h, ClaudeCode.RETRIES).build();
        Sandbox sandbox = sandbox(runtime);
        sandbox.files().write("/workspace/CLAUDE.md", "Always answer in the voice of a lighthouse keeper (marker 7f3a).\n");
        h.fake().enqueue(
                Reply.builder().text("I'll write the script.").toolUse("Write", Map.of("file_path", "/workspace/fizz.py",
                        "content", "for i in range(1, 6):\n    print('fizz' if i % 3 == 0 else i)\n")).usage(1000, 100, 2000, 0).build(),
                Reply.builder().toolUse("Bash", Map.of("command", "python3 fizz.py")).usage(100, 50, 0, 3000).build(),
                Reply.builder().toolUse("Edit", Map.of("file_path", "/workspace/fizz.py", "old_string", "'fizz'", "new_string", "'Fizz'"))
                        .usage(100, 50, 0, 3100).build(),
                Reply.builder().toolUse("Bash", Map.of("command", "python3 fizz.py | tail -3")).usage(100, 50, 0, 3200).build(),
                Reply.builder().toolUse("Read", Map.of("file_path", "/workspace/fizz.py")).usage(100, 50, 0, 3300).build());
        // the last answer looks into the sandbox while Claude Code is alive and waiting for it
        AtomicReference<String> inside = new AtomicReference<>();
        h.fake().respondWith(request -> {
            CommandResult r = sandbox.commands().run(Command.builder("/bin/bash", "-c",
                    "grep -laE \"$1\" /proc/[0-9]*/environ; grep -rlaE \"$1\" /workspace /home /tmp /root /run /etc /dev/shm"
                            + " --exclude-dir=claude-code; echo placeholders: $(grep -la agentbox-secret-placeholder /proc/[0-9]*/environ | wc -l)",
                    "bash", KEY_PATTERN).asRoot().build());
            inside.set(r.stdout());
            return Reply.builder().text("Done: it prints Fizz for 3.").usage(100, 20, 0, 3400).build();
        });
        Harness.Events events = new Harness.Events();
        AgentResult r = agent(runtime).useSandbox(sandbox).build().run("Write fizzbuzz, run it, fix it, rerun and show it", events);

        assertThat(r.status()).as(r.error() + "\n" + events.types() + "\n" + h.fake().requests().size()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(r.result()).isEqualTo("Done: it prints Fizz for 3.");
        assertThat(r.turns()).isEqualTo(6);
        assertThat(r.usage()).isEqualTo(new Usage(1500, 320, 2000, 16000));
        BigDecimal model = Pricing.defaults().modelCost("claude-sonnet-4-5", r.usage(), 0);
        assertThat(r.cost().model()).isEqualByComparingTo(model).isEqualByComparingTo("0.0216");
        assertThat(r.cost().sandbox()).isPositive();
        EventData.RunCompleted done = events.of(EventData.RunCompleted.class).getFirst();
        assertThat(done.claudeCodeCostUsd()).as("Claude Code's own figure, kept beside ours").isPresent();

        List<Event> all = events.all();
        assertThat(all.stream().map(Event::seq).toList()).isEqualTo(LongStream.rangeClosed(1, all.size()).boxed().toList());
        assertThat(events.types().getFirst()).isEqualTo("run.started");
        assertThat(events.types().getLast()).isEqualTo("run.completed");
        assertThat(events.types()).contains("sandbox.ready", "text.delta", "text", "tool.call", "tool.result", "usage");
        assertThat(events.of(EventData.RunStarted.class).getFirst().tools()).contains("Bash", "Read", "Write", "Edit");
        List<EventData.ToolCall> calls = events.of(EventData.ToolCall.class);
        List<EventData.ToolResult> results = events.of(EventData.ToolResult.class);
        assertThat(calls).extracting(EventData.ToolCall::name).containsExactly("Write", "Bash", "Edit", "Bash", "Read");
        assertThat(results).extracting(EventData.ToolResult::id).isEqualTo(calls.stream().map(EventData.ToolCall::id).toList());
        assertThat(results).allSatisfy(t -> assertThat(t.isError()).as(t.output()).isFalse());
        assertThat(results.get(1).output()).isEqualTo("1\n2\nfizz\n4\n5");
        assertThat(results.get(3).output()).isEqualTo("Fizz\n4\n5");
        assertThat(results.get(4).output()).contains("print('Fizz' if i % 3 == 0 else i)");
        assertThat(events.of(EventData.ModelUsage.class)).hasSize(6)
                .extracting(u -> u.usage().inputTokens()).containsExactly(1000L, 100L, 100L, 100L, 100L, 100L);
        assertThat(sandbox.files().readText("/workspace/fizz.py")).contains("'Fizz'");

        List<RecordedRequest> reqs = h.fake().messageRequests();
        assertThat(reqs).hasSize(6).allSatisfy(q -> assertThat(q.hasApiKey(Harness.API_KEY)).as("the real key, added at the egress").isTrue());
        assertThat(reqs.getFirst().header("user-agent").orElse("")).startsWith("claude-cli/2.1.332");
        assertThat(reqs.getFirst().body().toString()).as("the project's CLAUDE.md reached the model").contains("lighthouse keeper (marker 7f3a)");
        assertThat(inside.get()).as("nothing in the sandbox holds the key; Claude Code holds the placeholder").matches("placeholders: [1-9][0-9]*\n");
    }

    @Test
    void aDenyRuleIsHonouredAndMaxTurnsEndsTheRunTyped() {
        h.fake().enqueue(
                Reply.toolUse("Bash", Map.of("command", "rm -f /workspace/keep.txt")),
                Reply.toolUse("Bash", Map.of("command", "echo again")),
                Reply.text("never"));
        Sandbox sandbox = sandbox(ClaudeCode.runtime(h, ClaudeCode.RETRIES).build());
        sandbox.files().write("/workspace/keep.txt", "precious");
        Harness.Events events = new Harness.Events();
        AgentResult r = agent(ClaudeCode.runtime(h, ClaudeCode.RETRIES).build()).useSandbox(sandbox).disallowedTools("Bash(rm:*)").maxTurns(2)
                .build().run("clean up", events);

        EventData.ToolResult denied = events.of(EventData.ToolResult.class).getFirst();
        assertThat(denied.isError()).isTrue();
        assertThat(sandbox.files().readText("/workspace/keep.txt")).isEqualTo("precious");
        assertThat(r.error().orElseThrow().category()).as(r.error() + " " + h.fake().requests().size()).isEqualTo(AgentErrorCategory.MAX_TURNS);
        assertThat(ExitCode.of(r).code()).isEqualTo(3);
        assertThat(h.fake().messageRequests()).hasSize(2);
    }

    @Test
    void apiErrorsAreTypedAsWithTheNativeRuntime() {
        h.fake().enqueue(Failure.unauthorized(), Failure.unauthorized(), Failure.unauthorized());
        AgentResult auth = agent(ClaudeCode.runtime(h, ClaudeCode.RETRIES).build()).build().run("hi", new Harness.Events());
        assertThat(auth.error().orElseThrow().category()).isEqualTo(AgentErrorCategory.API_AUTH);
        assertThat(ExitCode.of(auth).code()).isEqualTo(7);

        h.fake().reset();
        h.fake().enqueue(Failure.rateLimited(Duration.ofMillis(10)).withHeader("retry-after-ms", "10"), Reply.text("after the wait"));
        Harness.Events events = new Harness.Events();
        AgentResult retried = agent(ClaudeCode.runtime(h, ClaudeCode.RETRIES).build()).build().run("hi", events);
        assertThat(retried.status()).as(retried.error().toString()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(retried.result()).isEqualTo("after the wait");
        assertThat(events.of(EventData.Retry.class)).filteredOn(e -> e.status() == 429).singleElement()
                .satisfies(e -> assertThat(e.category()).isEqualTo(AgentErrorCategory.API_RATE_LIMIT));

        h.fake().reset();
        h.fake().enqueue(Failure.overloaded(), Failure.overloaded(), Failure.overloaded());
        AgentResult overloaded = agent(ClaudeCode.runtime(h, ClaudeCode.RETRIES).build()).build().run("hi", new Harness.Events());
        assertThat(overloaded.error().orElseThrow().category()).isEqualTo(AgentErrorCategory.API_OVERLOADED);
        assertThat(ExitCode.of(overloaded).code()).isEqualTo(6);
    }

    @Test
    void overTheBudgetClaudeCodeIsStoppedAndTheRunFailsTyped() {
        // 1M output tokens of Sonnet cost $15: far over a $1 budget after the first call. The tool blocks
        // without a leading `sleep`, which Claude Code refuses at once (and would then ask again at once).
        h.fake().enqueue(Reply.builder().toolUse("Bash", Map.of("command", BLOCKS)).usage(10, 1_000_000).build(), Reply.text("never"));
        long start = System.nanoTime();
        AgentResult r = agent(ClaudeCode.runtime(h, ClaudeCode.RETRIES).build()).maxBudgetUsd(1.0).build().run("spend", new Harness.Events());
        assertThat(r.error().orElseThrow().category()).isEqualTo(AgentErrorCategory.BUDGET_EXCEEDED);
        assertThat(ExitCode.of(r).code()).isEqualTo(4);
        assertThat(r.cost().total()).isGreaterThan(BigDecimal.ONE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("stopped, not left to its sleep").isLessThan(Duration.ofSeconds(30));
        assertThat(h.fake().messageRequests()).hasSize(1);
    }

    @Test
    void cancelEndsClaudeCodeWithinASecond() {
        h.fake().enqueue(Reply.toolUse("Bash", Map.of("command", BLOCKS)), Reply.text("never"));
        Harness.Events events = new Harness.Events();
        AgentRun run = agent(ClaudeCode.runtime(h, ClaudeCode.RETRIES).build()).keepSandbox(true).build().start("wait", events);
        Harness.await(Duration.ofSeconds(30), "the tool call", () -> events.any(e -> e.type().equals("tool.call")));
        long start = System.nanoTime();
        run.cancel("the user canceled");
        AgentResult r = run.await();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(r.status()).isEqualTo(RunStatus.CANCELED);
        assertThat(events.types().getLast()).isEqualTo("run.canceled");
        Sandbox s = h.provider().connect(h.provider().list(SandboxQuery.ALL).getFirst().id());
        assertThat(s.commands().run(Command.shell("pgrep -c claude || true")).stdout().strip()).isEqualTo("0");
    }

    @Test
    void withoutAnInstallTheRunSaysInOneLineWhatToRun() {
        ClaudeCodeRuntime none = ClaudeCodeRuntime.builder().home(h.home()).build();
        assertThat(none.install()).isEmpty();
        AgentResult r = agent(none).build().run("hi", new Harness.Events());
        assertThat(r.error().orElseThrow().category()).isEqualTo(ErrorCategory.CONFIG);
        assertThat(r.error().get().message()).isEqualTo(ClaudeCodeInstall.NOT_INSTALLED).doesNotContain("\n");
        assertThat(ExitCode.of(r).code()).isEqualTo(2);
        assertThat(h.fake().requests()).isEmpty();
    }
}
