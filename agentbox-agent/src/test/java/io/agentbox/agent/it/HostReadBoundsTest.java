package io.agentbox.agent.it;

import io.agentbox.agent.AgentResult;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.tools.Tool;
import io.agentbox.agent.tools.ToolAccess;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxFileException;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Attack: sandbox files that are far larger than they cost. tmpfs quotas count blocks, not sizes, so
 * {@code truncate -s 8G} is free inside the sandbox; every host-side read of it must be bounded, and
 * no {@link Error} a tool raises may end the run.
 */
class HostReadBoundsTest {
    @RegisterExtension
    final Harness h = new Harness();

    private static final String PLANT = "cd /workspace && truncate -s 8G sparse.bin"
            + " && head -c 10000 /dev/zero | tr '\\0' a > long.txt && truncate -s 8G long.txt && echo planted";

    @Test
    void readEditAndBashCwdStayBoundedOnEightGigabyteFiles() {
        h.fake().enqueue(
                Reply.toolUse("Bash", Map.of("command", PLANT)),
                Reply.toolUse("Read", Map.of("file_path", "/workspace/long.txt")),
                Reply.toolUse("Edit", Map.of("file_path", "/workspace/sparse.bin", "old_string", "a", "new_string", "b")),
                // the command replaces the wrapper's record of its directory with an 8 GB file
                Reply.toolUse("Bash", Map.of("command", "cd /tmp; trap - EXIT; truncate -s 8G \"$2\"")),
                Reply.toolUse("Bash", Map.of("command", "pwd")),
                Reply.text("survived"));
        Harness.Events events = new Harness.Events();
        AgentResult r = h.agent().build().run("plant big files", events);
        assertThat(r.isSuccess()).as(r.error().toString()).isTrue();
        assertThat(r.result()).isEqualTo("survived");
        List<EventData.ToolResult> results = events.of(EventData.ToolResult.class);
        assertThat(results).hasSize(5);
        assertThat(results.get(0).output()).isEqualTo("planted");
        assertThat(results.get(1).isError()).isTrue();
        assertThat(results.get(1).output()).contains("cannot read binary files").contains("8589934592 bytes");
        assertThat(results.get(2).isError()).isTrue();
        assertThat(results.get(2).output()).startsWith("File too large to edit: /workspace/sparse.bin is over 16 MiB");
        assertThat(results.get(3).isError()).as(results.get(3).output()).isFalse();
        assertThat(results.get(4).output()).as("an unreadable record keeps the old directory").isEqualTo("/workspace");
    }

    @Test
    void aLongLineIsReadToItsBoundAndTheRestOfTheFileStillShows() {
        h.fake().enqueue(
                Reply.toolUse("Bash", Map.of("command", "cd /workspace && { head -c 3000000 /dev/zero | tr '\\0' x; printf '\\nsecond\\n'; } > wide.txt")),
                Reply.toolUse("Read", Map.of("file_path", "/workspace/wide.txt")),
                Reply.text("ok"));
        Harness.Events events = new Harness.Events();
        AgentResult r = h.agent().build().run("read a wide file", events);
        assertThat(r.isSuccess()).as(r.error().toString()).isTrue();
        String read = events.of(EventData.ToolResult.class).get(1).output();
        assertThat(read).startsWith("     1\t" + "x".repeat(2000) + "... [line truncated]\n").contains("     2\tsecond");
    }

    @Test
    void boundedReadsOfTheFileApiStopAtTheBound() {
        Sandbox sandbox = h.provider().create(SandboxSpec.builder().build());
        try {
            assertThat(sandbox.commands().run(Command.of("sh", "-c", "truncate -s 8G /workspace/huge && printf 12345 > /workspace/five")).isSuccess()).isTrue();
            assertThatThrownBy(() -> sandbox.files().read("/workspace/huge", 1 << 20))
                    .isInstanceOfSatisfying(SandboxFileException.class, e -> assertThat(e.reason()).isEqualTo(SandboxFileException.Reason.TOO_LARGE))
                    .hasMessageContaining("larger than 1048576 bytes");
            assertThat(sandbox.files().readText("/workspace/five", 5)).isEqualTo("12345");
            assertThatThrownBy(() -> sandbox.files().read("/workspace/five", 4)).isInstanceOf(SandboxFileException.class);
        } finally {
            sandbox.kill();
        }
    }

    @Test
    void anErrorInAToolIsThatCallsFailureNotTheRuns() {
        Tool exhausting = Tool.of("exhaust", "Runs out of memory", Events.mapper().createObjectNode().put("type", "object"), ToolAccess.READ,
                (input, ctx) -> {
                    throw new OutOfMemoryError("Java heap space");
                });
        h.fake().enqueue(Reply.toolUse("exhaust", Map.of()), Reply.toolUse("Bash", Map.of("command", "echo still here")), Reply.text("done"));
        Harness.Events events = new Harness.Events();
        AgentResult r = h.agent().addTool(exhausting).build().run("exhaust", events);
        assertThat(r.isSuccess()).as(r.error().toString()).isTrue();
        List<EventData.ToolResult> results = events.of(EventData.ToolResult.class);
        assertThat(results.get(0).isError()).isTrue();
        assertThat(results.get(0).output()).contains("Tool exhaust failed: java.lang.OutOfMemoryError: Java heap space");
        assertThat(results.get(1).output()).isEqualTo("still here");
    }
}
