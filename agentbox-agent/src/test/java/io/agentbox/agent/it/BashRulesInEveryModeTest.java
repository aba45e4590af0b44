package io.agentbox.agent.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.Agent;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.hook.HookDecision;
import io.agentbox.agent.permission.BypassAttempts;
import io.agentbox.agent.permission.PermissionDecision;
import io.agentbox.agent.permission.PermissionMode;
import io.agentbox.agent.tools.ToolUse;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.testkit.RecordedRequest;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bypass table of {@link BypassAttempts} through the real agent loop and a real sandbox, in every
 * permission mode: with {@code Bash(rm:*)} denied no attempt deletes its file, and without the rule
 * each one does (so every attempt is a real one). Hooks are checked in every mode too.
 */
class BashRulesInEveryModeTest {
    private static final String DENY = "Bash(rm:*)";

    @RegisterExtension
    final Harness h = new Harness();

    private Sandbox sandbox() {
        return h.provider().create(SandboxSpec.builder().timeout(Duration.ofMinutes(5)).build());
    }

    /** Every call is approved when asked, so that only rules, hooks and the mode itself refuse. */
    private Agent.Builder agent(Sandbox s, PermissionMode mode) {
        return h.agent().useSandbox(s).permissionMode(mode).maxTurns(1_000)
                .permissionCallback((runId, call) -> CompletableFuture.completedFuture(PermissionDecision.allow()));
    }

    private List<RecordedRequest.ToolResult> results() {
        return h.fake().messageRequests().stream().skip(1).flatMap(r -> r.lastToolResult().stream()).toList();
    }

    private static String victim(int i) {
        return "/workspace/victim-" + i;
    }

    private static void createVictims(Sandbox s, int n) {
        for (int i = 0; i < n; i++) s.files().write(victim(i), "precious");
    }

    private static Reply bash(String command) {
        return Reply.toolUse("Bash", Map.of("command", command));
    }

    @ParameterizedTest
    @EnumSource(PermissionMode.class)
    void noBypassAttemptDeletesAnythingInAnyMode(PermissionMode mode) {
        List<BypassAttempts.Attempt> attempts = BypassAttempts.ALL;
        try (Sandbox s = sandbox()) {
            createVictims(s, attempts.size());
            for (int i = 0; i < attempts.size(); i++) h.fake().enqueue(bash(attempts.get(i).command(victim(i))));
            h.fake().enqueue(bash("touch /workspace/innocent"), Reply.text("done"));

            AgentResult r = agent(s, mode).disallowedTools(DENY).build().run("go", new Harness.Events());

            assertThat(r.isSuccess()).isTrue();
            List<RecordedRequest.ToolResult> res = results();
            assertThat(res).hasSize(attempts.size() + 1);
            for (int i = 0; i < attempts.size(); i++) {
                assertThat(res.get(i).isError()).as(attempts.get(i).toString()).isTrue();
                assertThat(res.get(i).content()).as(attempts.get(i).toString()).startsWith("Permission denied").contains(DENY);
            }
            List<String> deleted = new ArrayList<>();
            for (int i = 0; i < attempts.size(); i++) if (!s.files().exists(victim(i))) deleted.add(attempts.get(i).toString());
            assertThat(deleted).as("files deleted in mode " + mode.wireName()).isEmpty();
            // the rule refuses rm, not Bash: an innocent command still runs where the mode lets commands run
            assertThat(res.getLast().isError()).isEqualTo(mode == PermissionMode.PLAN);
            assertThat(s.files().exists("/workspace/innocent")).isEqualTo(mode != PermissionMode.PLAN);
        }
    }

    @Test
    void withoutTheRuleEveryAttemptReallyDeletesItsFile() {
        List<BypassAttempts.Attempt> attempts = BypassAttempts.ALL;
        try (Sandbox s = sandbox()) {
            createVictims(s, attempts.size());
            List<Integer> runnable = new ArrayList<>();
            for (int i = 0; i < attempts.size(); i++) {
                if (!attempts.get(i).runsInSandbox()) continue;
                runnable.add(i);
                h.fake().enqueue(bash(attempts.get(i).command(victim(i))));
            }
            h.fake().enqueue(Reply.text("done"));

            agent(s, PermissionMode.BYPASS_PERMISSIONS).build().run("go", new Harness.Events());

            List<String> survived = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            for (int i : runnable) {
                // process substitutions finish on their own time: poll, with a deadline
                while (s.files().exists(victim(i)) && System.nanoTime() < deadline) Thread.onSpinWait();
                if (s.files().exists(victim(i))) survived.add(attempts.get(i).toString());
            }
            assertThat(survived).as("attempts that did not delete their file without the rule").isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(PermissionMode.class)
    void hooksDecideInEveryModeAndDenyRulesStillApplyAfterThem(PermissionMode mode) {
        try (Sandbox s = sandbox()) {
            s.files().write("/workspace/keep", "x");
            h.fake().enqueue(
                    bash("touch /workspace/hook-denied"),
                    bash("touch /workspace/hook-allowed"),
                    bash("echo harmless"),
                    bash("touch /workspace/hook-allowed-rm && rm /workspace/keep"),
                    bash("touch /workspace/plain"),
                    Reply.text("done"));
            List<String> pre = new CopyOnWriteArrayList<>();
            List<String> post = new CopyOnWriteArrayList<>();
            AgentResult r = h.agent().useSandbox(s).permissionMode(mode).disallowedTools(DENY)
                    .preToolUse(call -> {
                        String cmd = call.input().path("command").asText();
                        pre.add(cmd);
                        if (cmd.contains("hook-denied")) return HookDecision.deny("not this one");
                        if (cmd.contains("hook-allowed")) return HookDecision.allow();
                        if (cmd.equals("echo harmless")) {
                            // a hook that rewrites a call into a forbidden one: the rule judges the new input
                            ObjectNode in = ((ObjectNode) call.input()).deepCopy();
                            in.put("command", "/bin/rm /workspace/keep");
                            return HookDecision.modify(in);
                        }
                        return HookDecision.proceed();
                    })
                    .postToolUse((ToolUse call, io.agentbox.agent.tools.ToolOutput out) -> post.add(call.input().path("command").asText()))
                    .build().run("go", new Harness.Events());

            assertThat(r.isSuccess()).isTrue();
            List<RecordedRequest.ToolResult> res = results();
            assertThat(pre).as("PreToolUse sees every call in mode " + mode.wireName()).hasSize(5);
            assertThat(res.get(0).content()).contains("Blocked by a PreToolUse hook: not this one");
            assertThat(s.files().exists("/workspace/hook-denied")).isFalse();
            // an Allow hook approves without asking, except in plan mode, which runs no command at all
            assertThat(s.files().exists("/workspace/hook-allowed")).isEqualTo(mode != PermissionMode.PLAN);
            assertThat(res.get(2).content()).contains(DENY);
            assertThat(res.get(3).content()).as("an Allow hook does not lift a deny rule").contains(DENY);
            assertThat(s.files().exists("/workspace/hook-allowed-rm")).isFalse();
            assertThat(s.files().exists("/workspace/keep")).isTrue();
            // no hook opinion: the mode decides (no permission callback here, so default and acceptEdits refuse)
            assertThat(s.files().exists("/workspace/plain")).isEqualTo(mode == PermissionMode.BYPASS_PERMISSIONS);
            List<String> ran = new ArrayList<>();
            if (mode != PermissionMode.PLAN) ran.add("touch /workspace/hook-allowed");
            if (mode == PermissionMode.BYPASS_PERMISSIONS) ran.add("touch /workspace/plain");
            assertThat(post).as("PostToolUse sees exactly the calls that ran").containsExactlyElementsOf(ran);
        }
    }

    @ParameterizedTest
    @EnumSource(value = PermissionMode.class, names = {"DEFAULT", "ACCEPT_EDITS"})
    void aPermissionAnswerThatRewritesTheCallIsJudgedByTheDenyRules(PermissionMode mode) {
        try (Sandbox s = sandbox()) {
            s.files().write("/workspace/keep", "x");
            h.fake().enqueue(bash("ls /workspace"), Reply.text("done"));
            h.agent().useSandbox(s).permissionMode(mode).disallowedTools(DENY)
                    .permissionCallback((runId, call) -> {
                        ObjectNode in = ((ObjectNode) call.input()).deepCopy();
                        in.put("command", "ls; command rm /workspace/keep");
                        return CompletableFuture.completedFuture(PermissionDecision.allow(in));
                    }).build().run("go", new Harness.Events());
            assertThat(results().getFirst().content()).contains(DENY);
            assertThat(s.files().exists("/workspace/keep")).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(value = PermissionMode.class, names = {"DEFAULT", "ACCEPT_EDITS"})
    void allowRulesApproveACompoundCommandOnlyWhenEveryPartIsCovered(PermissionMode mode) {
        try (Sandbox s = sandbox()) {
            h.fake().enqueue(
                    bash("touch /workspace/a && echo ok"),
                    bash("touch /workspace/b; bash -c 'touch /workspace/c'"),
                    bash("touch /workspace/d && id > /workspace/e"),
                    bash("touch /workspace/f $(id > /workspace/g)"),
                    Reply.text("done"));
            List<String> asked = new CopyOnWriteArrayList<>();
            h.agent().useSandbox(s).permissionMode(mode).allowedTools("Bash(touch:*)", "Bash(echo:*)")
                    .permissionCallback((runId, call) -> {
                        asked.add(call.input().path("command").asText());
                        return CompletableFuture.completedFuture(PermissionDecision.deny("no"));
                    }).build().run("go", new Harness.Events());
            assertThat(s.files().exists("/workspace/a")).isTrue();
            assertThat(s.files().exists("/workspace/b")).isTrue();
            assertThat(s.files().exists("/workspace/c")).isTrue();
            assertThat(asked).containsExactly("touch /workspace/d && id > /workspace/e", "touch /workspace/f $(id > /workspace/g)");
            assertThat(s.files().exists("/workspace/d")).isFalse();
            assertThat(s.files().exists("/workspace/g")).isFalse();
        }
    }

    @Test
    void theRefusalOfAnUnanalysableCommandSaysWhy() {
        try (Sandbox s = sandbox()) {
            h.fake().enqueue(bash("eval \"$X\""), Reply.text("done"));
            Harness.Events events = new Harness.Events();
            agent(s, PermissionMode.BYPASS_PERMISSIONS).disallowedTools("Bash(curl:*)").build().run("go", events);
            assertThat(results().getFirst().content())
                    .contains("passes a computed word to eval").contains("Bash(curl:*)").contains("cannot be analysed");
        }
    }
}
