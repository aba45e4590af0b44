package io.agentbox.agent.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.hook.HookDecision;
import io.agentbox.agent.permission.PermissionDecision;
import io.agentbox.agent.permission.PermissionMode;
import io.agentbox.agent.tools.ToolOutput;
import io.agentbox.agent.tools.ToolUse;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.testkit.RecordedRequest;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Allowed/disallowed rules, permission modes and hooks, each checked by what ran in the sandbox. */
class RulesModesHooksTest {
    @RegisterExtension
    final Harness h = new Harness();

    private Sandbox sandbox() {
        return h.provider().create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).build());
    }

    private static boolean exists(Sandbox s, String path) {
        return s.files().exists(path);
    }

    private List<RecordedRequest.ToolResult> results() {
        return h.fake().messageRequests().stream().skip(1).flatMap(r -> r.lastToolResult().stream()).toList();
    }

    @Test
    void aDisallowedToolIsNotOfferedAndRefusedWhenCalledAnyway() {
        try (Sandbox s = sandbox()) {
            h.fake().enqueue(Reply.toolUse("Bash", Map.of("command", "touch /workspace/ran")), Reply.text("ok"));
            AgentResult r = h.agent().useSandbox(s).disallowedTools("Bash").build().run("go", new Harness.Events());
            assertThat(r.isSuccess()).isTrue();
            assertThat(h.fake().messageRequests().getFirst().toolNames()).doesNotContain("Bash").contains("Read", "Write");
            assertThat(results().getFirst().isError()).isTrue();
            assertThat(results().getFirst().content()).contains("disallowed");
            assertThat(exists(s, "/workspace/ran")).isFalse();
        }
    }

    @Test
    void denyRulesApplyEvenWhenPermissionsAreBypassed() {
        try (Sandbox s = sandbox()) {
            h.fake().enqueue(
                    Reply.toolUse("Bash", Map.of("command", "touch /workspace/a && rm -f /workspace/a")),
                    Reply.toolUse("Write", Map.of("file_path", "/workspace/secrets/key", "content", "x")),
                    Reply.toolUse("Bash", Map.of("command", "touch /workspace/allowed")),
                    Reply.text("ok"));
            AgentResult r = h.agent().useSandbox(s).permissionMode(PermissionMode.BYPASS_PERMISSIONS)
                    .disallowedTools("Bash(rm:*)", "Edit(secrets/**)").build().run("go", new Harness.Events());
            assertThat(r.isSuccess()).isTrue();
            List<RecordedRequest.ToolResult> res = results();
            assertThat(res.get(0).isError()).isTrue();
            assertThat(res.get(0).content()).contains("Bash(rm:*)");
            assertThat(res.get(1).isError()).isTrue();
            assertThat(res.get(2).isError()).isFalse();
            assertThat(exists(s, "/workspace/a")).isFalse();
            assertThat(exists(s, "/workspace/secrets/key")).isFalse();
            assertThat(exists(s, "/workspace/allowed")).isTrue();
        }
    }

    @Test
    void defaultModeAsksTheCallbackAndDeniesWithoutOne() {
        try (Sandbox s = sandbox()) {
            h.fake().enqueue(Reply.toolUse("Bash", Map.of("command", "touch /workspace/x")), Reply.text("ok"));
            h.agent().useSandbox(s).permissionMode(PermissionMode.DEFAULT).build().run("go", new Harness.Events());
            assertThat(results().getFirst().isError()).isTrue();
            assertThat(results().getFirst().content()).contains("no permission callback");
            assertThat(exists(s, "/workspace/x")).isFalse();

            h.fake().reset();
            List<ToolUse> asked = new CopyOnWriteArrayList<>();
            h.fake().enqueue(Reply.toolUse("Bash", Map.of("command", "touch /workspace/x")),
                    Reply.toolUse("Bash", Map.of("command", "touch /workspace/y")),
                    Reply.toolUse("Bash", Map.of("command", "git --version")),
                    Reply.toolUse("Read", Map.of("file_path", "/workspace/x")),
                    Reply.text("ok"));
            Harness.Events events = new Harness.Events();
            h.agent().useSandbox(s).permissionMode(PermissionMode.DEFAULT).allowedTools("Bash(git:*)")
                    .permissionCallback((runId, call) -> {
                        asked.add(call);
                        // answered later, from another thread, like a WebSocket reply
                        return CompletableFuture.supplyAsync(() -> call.input().path("command").asText().contains("/x")
                                ? PermissionDecision.allow() : PermissionDecision.deny("the user said no"));
                    }).build().run("go", events);
            assertThat(asked).extracting(ToolUse::name).containsExactly("Bash", "Bash");
            assertThat(events.of(EventData.PermissionRequest.class)).hasSize(2);
            List<RecordedRequest.ToolResult> res = results();
            assertThat(res.get(0).isError()).isFalse();
            assertThat(res.get(1).content()).contains("the user said no");
            assertThat(res.get(2).isError()).as("pre-approved by Bash(git:*)").isFalse();
            assertThat(res.get(3).isError()).as("reads need no approval").isFalse();
            assertThat(exists(s, "/workspace/x")).isTrue();
            assertThat(exists(s, "/workspace/y")).isFalse();
        }
    }

    @Test
    void acceptEditsApprovesEditsOnlyAndPlanModeOnlyReads() {
        try (Sandbox s = sandbox()) {
            h.fake().enqueue(Reply.toolUse("Write", Map.of("file_path", "/workspace/w.txt", "content", "w")),
                    Reply.toolUse("Bash", Map.of("command", "touch /workspace/b")), Reply.text("ok"));
            h.agent().useSandbox(s).permissionMode(PermissionMode.ACCEPT_EDITS).build().run("go", new Harness.Events());
            assertThat(results().get(0).isError()).isFalse();
            assertThat(results().get(1).isError()).isTrue();
            assertThat(exists(s, "/workspace/w.txt")).isTrue();
            assertThat(exists(s, "/workspace/b")).isFalse();

            h.fake().reset();
            h.fake().enqueue(Reply.toolUse("Write", Map.of("file_path", "/workspace/p.txt", "content", "p")),
                    Reply.toolUse("Read", Map.of("file_path", "/workspace/w.txt")), Reply.text("plan"));
            h.agent().useSandbox(s).permissionMode(PermissionMode.PLAN).build().run("go", new Harness.Events());
            assertThat(results().get(0).content()).contains("plan mode");
            assertThat(results().get(1).isError()).isFalse();
            assertThat(exists(s, "/workspace/p.txt")).isFalse();
        }
    }

    @Test
    void hooksDenyModifyObserveAndKeepTheRunGoing() {
        try (Sandbox s = sandbox()) {
            h.fake().enqueue(Reply.toolUse("Bash", Map.of("command", "touch /workspace/denied")),
                    Reply.toolUse("Bash", Map.of("command", "echo original > /workspace/out")),
                    Reply.text("first stop"),
                    Reply.text("second stop"));
            List<String> seen = new CopyOnWriteArrayList<>();
            int[] stops = {0};
            AgentResult r = h.agent().useSandbox(s)
                    .preToolUse(call -> call.input().path("command").asText().contains("denied")
                            ? HookDecision.deny("no touching") : HookDecision.proceed())
                    .preToolUse(call -> {
                        ObjectNode in = ((ObjectNode) call.input()).deepCopy();
                        in.put("command", in.path("command").asText().replace("original", "modified"));
                        return HookDecision.modify(in);
                    })
                    .postToolUse((ToolUse call, ToolOutput out) -> seen.add(call.input().path("command").asText() + " -> " + out.isError()))
                    .onStop(result -> stops[0]++ == 0 ? Optional.of("Please double-check.") : Optional.empty())
                    .build().run("go", new Harness.Events());
            assertThat(r.result()).isEqualTo("second stop");
            assertThat(results().get(0).content()).contains("no touching");
            assertThat(exists(s, "/workspace/denied")).isFalse();
            assertThat(s.files().readText("/workspace/out")).isEqualTo("modified\n");
            assertThat(seen).containsExactly("echo modified > /workspace/out -> false");
            assertThat(h.fake().lastRequest().lastUserText()).isEqualTo("Please double-check.");
            assertThat(s.commands().run(Command.of("ls", "/workspace")).stdout()).doesNotContain("denied");
        }
    }

    @Test
    void unknownToolsAndBadInputAreErrorsTheModelSees() {
        h.fake().enqueue(Reply.toolUse("Teleport", Map.of()), Reply.toolUse("Read", Map.of("path", "/x")), Reply.text("ok"));
        AgentResult r = h.agent().build().run("go", new Harness.Events());
        assertThat(r.isSuccess()).isTrue();
        assertThat(results().get(0).content()).contains("no such tool");
        assertThat(results().get(1).isError()).isTrue();
        assertThat(results().get(1).content()).contains("file_path");
    }
}
