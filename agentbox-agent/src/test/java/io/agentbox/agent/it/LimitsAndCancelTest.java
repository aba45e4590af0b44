package io.agentbox.agent.it;

import io.agentbox.agent.AgentErrorCategory;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.AgentRun;
import io.agentbox.agent.RunStatus;
import io.agentbox.agent.event.EventData;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Max turns, budget, wall-clock limit and cancel. */
class LimitsAndCancelTest {
    @RegisterExtension
    final Harness h = new Harness();

    private static Reply bash(String command) {
        return Reply.toolUse("Bash", Map.of("command", command));
    }

    @Test
    void maxTurnsEndsTheRunWithItsCategory() {
        h.fake().enqueue(bash("echo 1"), bash("echo 2"), bash("echo 3"), Reply.text("never"));
        Harness.Events events = new Harness.Events();
        AgentResult r = h.agent().maxTurns(2).build().run("loop", events);
        assertThat(r.status()).isEqualTo(RunStatus.FAILED);
        assertThat(r.error().orElseThrow().category()).isEqualTo(AgentErrorCategory.MAX_TURNS);
        assertThat(r.turns()).isEqualTo(2);
        assertThat(h.fake().messageRequests()).hasSize(2);
        assertThat(events.types().getLast()).isEqualTo("run.failed");
    }

    @Test
    void budgetCountsModelCostAndEndsTheRun() {
        // 1M output tokens of Sonnet cost $15: far over a $1 budget after the first call
        h.fake().enqueue(Reply.builder().toolUse("Bash", Map.of("command", "echo hi")).usage(10, 1_000_000).build(), Reply.text("never"));
        AgentResult r = h.agent().maxBudgetUsd(1.0).build().run("spend", new Harness.Events());
        assertThat(r.error().orElseThrow().category()).isEqualTo(AgentErrorCategory.BUDGET_EXCEEDED);
        assertThat(r.cost().total()).isGreaterThan(java.math.BigDecimal.ONE);
        assertThat(h.fake().messageRequests()).hasSize(1);
    }

    @Test
    void wallClockLimitStopsAToolAndFailsWithTimeout() {
        h.fake().enqueue(bash("sleep 30"), Reply.text("never"));
        long start = System.nanoTime();
        AgentResult r = h.agent().timeout(Duration.ofMillis(1500)).build().run("wait", new Harness.Events());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(r.error().orElseThrow().category()).isEqualTo(AgentErrorCategory.TIMEOUT);
    }

    @Test
    void cancelAbortsTheModelStreamAtOnce() {
        h.fake().enqueue(Reply.builder().text("x".repeat(200)).chunkSize(1).chunkDelay(Duration.ofMillis(100)).build());
        Harness.Events events = new Harness.Events();
        AgentRun run = h.agent().build().start("talk slowly", events);
        Harness.await(Duration.ofSeconds(10), "the stream to start", () -> events.types().contains("text.delta"));
        long start = System.nanoTime();
        run.cancel("user pressed Ctrl-C");
        AgentResult r = run.await(Duration.ofSeconds(5)).orElseThrow();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(r.status()).isEqualTo(RunStatus.CANCELED);
        assertThat(events.of(EventData.RunCanceled.class).getFirst().reason()).isEqualTo("user pressed Ctrl-C");
        assertThat(events.types().getLast()).isEqualTo("run.canceled");
    }

    @Test
    void cancelKillsTheRunsSandboxProcessesWithinASecond() {
        try (Sandbox s = h.provider().create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).build())) {
            h.fake().enqueue(bash("sleep 120 & echo started; sleep 60"), Reply.text("never"));
            Harness.Events events = new Harness.Events();
            AgentRun run = h.agent().useSandbox(s).build().start("sleep", events);
            Harness.await(Duration.ofSeconds(10), "the command to run",
                    () -> s.commands().run(Command.of("pgrep", "-f", "sleep 60")).exitCode() == 0);
            long start = System.nanoTime();
            run.cancel();
            AgentResult r = run.await(Duration.ofSeconds(5)).orElseThrow();
            assertThat(r.status()).isEqualTo(RunStatus.CANCELED);
            Harness.await(Duration.ofSeconds(1).minus(Duration.ofNanos(System.nanoTime() - start)), "the run's processes to end: "
                    + s.commands().run(Command.of("ps", "-eo", "pid,pgid,args")).stdout(),
                    () -> s.commands().run(Command.of("pgrep", "-f", "^sleep (60|120)")).exitCode() == 1);
            assertThat(h.fake().messageRequests()).hasSize(1);
        }
    }
    @Test
    void aCanceledRunGivesEveryToolCallItsResult() {
        h.fake().enqueue(Reply.builder().toolUse("Bash", Map.of("command", "sleep 60"))
                .toolUse("Bash", Map.of("command", "echo never")).build(), Reply.text("never"));
        Harness.Events events = new Harness.Events();
        AgentRun run = h.agent().build().start("two commands", events);
        Harness.await(Duration.ofSeconds(20), "the first call to start", () -> events.of(EventData.ToolCall.class).size() == 2);
        run.cancel("stop");
        AgentResult r = run.await(Duration.ofSeconds(10)).orElseThrow();
        assertThat(r.status()).isEqualTo(RunStatus.CANCELED);
        assertThat(events.of(EventData.ToolResult.class)).extracting(EventData.ToolResult::id)
                .containsExactlyElementsOf(events.of(EventData.ToolCall.class).stream().map(EventData.ToolCall::id).toList());
        assertThat(events.of(EventData.ToolResult.class)).allMatch(EventData.ToolResult::isError);
        assertThat(events.of(EventData.ToolResult.class).getLast().output()).contains("canceled");
        assertThat(events.types().getLast()).isEqualTo("run.canceled");
    }
}
