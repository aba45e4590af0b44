package io.agentbox.agent;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.hook.HookDecision;
import io.agentbox.agent.hook.PostToolUseHook;
import io.agentbox.agent.hook.PreToolUseHook;
import io.agentbox.agent.permission.BashCommand;
import io.agentbox.agent.permission.PermissionDecision;
import io.agentbox.agent.permission.PermissionMode;
import io.agentbox.agent.permission.ToolRule;
import io.agentbox.agent.tools.Tool;
import io.agentbox.agent.tools.ToolAccess;
import io.agentbox.agent.tools.ToolContext;
import io.agentbox.agent.tools.ToolOutput;
import io.agentbox.agent.tools.ToolUse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Runs the tool calls of one assistant message: hooks, rules, mode and permission decide each call
 * (in that order; deny rules and hooks in every mode), then the approved ones run, consecutive
 * read-only ones in parallel. Every call gets a result, in order; a refused or failing call is an error result.
 */
final class ToolRunner {
    private final AgentOptions options;
    private final Map<String, Tool> tools = new LinkedHashMap<>();
    private final String workdir;
    private final EventEmitter events;
    private final Cancellation cancellation;
    private final Function<ToolUse, ToolContext> contexts;
    private final RunSpans spans;

    /** A call after the checks: either the input to run it with, or why it is refused. */
    private record Verdict(ToolUse call, Tool tool, Optional<String> refusal) {}

    private final List<Tool> all;

    /** {@code all}: the options' tools plus the run's own (its MCP servers'). */
    ToolRunner(AgentOptions options, List<Tool> all, String workdir, EventEmitter events, Cancellation cancellation,
               Function<ToolUse, ToolContext> contexts) {
        this(options, all, workdir, events, cancellation, contexts, RunSpans.off());
    }

    ToolRunner(AgentOptions options, List<Tool> all, String workdir, EventEmitter events, Cancellation cancellation,
               Function<ToolUse, ToolContext> contexts, RunSpans spans) {
        this.options = options;
        this.spans = spans;
        this.all = List.copyOf(all);
        this.workdir = workdir;
        this.events = events;
        this.cancellation = cancellation;
        this.contexts = contexts;
        for (Tool t : this.all) {
            if (options.disallowedTools().stream().noneMatch(r -> r.coversWholeTool() && r.matches(t.name(), Optional.empty(), workdir, false))) {
                tools.putIfAbsent(t.name(), t);
            }
        }
    }

    /** The tools offered to the model: all but those a plain deny rule names. */
    List<Tool> offered() {
        return List.copyOf(tools.values());
    }

    List<ToolOutput> runAll(List<ToolUse> calls) {
        calls.forEach(c -> events.emit(new EventData.ToolCall(c.id(), c.name(), c.input())));
        List<ToolOutput> outputs = new ArrayList<>();
        List<Verdict> reads = new ArrayList<>();
        for (ToolUse call : calls) {
            if (cancellation.isCanceled()) {
                outputs.addAll(executeAll(reads));
                // every tool.call gets its tool.result, so no consumer is left with a call that never ends
                ToolOutput notRun = ToolOutput.error("Not run: the run was canceled.");
                events.emit(new EventData.ToolResult(call.id(), notRun.content(), true, 0));
                outputs.add(notRun);
                continue;
            }
            Verdict v = check(call);
            if (parallel(v)) {
                reads.add(v);
            } else {
                outputs.addAll(executeAll(reads));
                outputs.add(execute(v));
            }
        }
        outputs.addAll(executeAll(reads));
        return outputs;
    }

    /** Runs the collected read-only calls (in parallel when there are several) and clears the list. */
    private List<ToolOutput> executeAll(List<Verdict> reads) {
        List<ToolOutput> out = reads.size() == 1 ? List.of(execute(reads.getFirst())) : executeParallel(reads);
        reads.clear();
        return out;
    }

    private static boolean parallel(Verdict v) {
        return v.refusal().isEmpty() && v.tool().access() == ToolAccess.READ;
    }

    private List<ToolOutput> executeParallel(List<Verdict> group) {
        if (group.isEmpty()) return List.of();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<ToolOutput>> futures = group.stream().map(v -> pool.submit(() -> execute(v))).toList();
            List<ToolOutput> out = new ArrayList<>();
            for (Future<ToolOutput> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    out.add(ToolOutput.error("Tool failed: " + e.getCause()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    out.add(ToolOutput.error("Not run: interrupted."));
                }
            }
            return out;
        }
    }

    private ToolOutput execute(Verdict v) {
        long start = System.nanoTime();
        Span span = spans.startTool(v.call());
        try (Scope ignored = span.makeCurrent()) {
            ToolOutput out = executeTraced(v, start);
            spans.endTool(span, out);
            return out;
        } catch (RuntimeException e) {
            RunSpans.fail(span, "tool_error", String.valueOf(e.getMessage()));
            throw e;
        }
    }

    private ToolOutput executeTraced(Verdict v, long start) {
        ToolOutput out;
        ToolContext context = v.refusal().isPresent() ? null : contexts.apply(v.call());
        if (context != null) auditBaseline(context);
        if (v.refusal().isPresent()) {
            out = ToolOutput.error(v.refusal().get());
        } else {
            try {
                out = v.tool().call(v.call().input(), context);
            } catch (AgentboxException e) {
                out = ToolOutput.error(cancellation.isCanceled() ? "Interrupted: the run was canceled." : e.getMessage());
            } catch (RuntimeException e) {
                out = ToolOutput.error("Tool " + v.call().name() + " failed: " + e);
            } catch (Error e) {
                // OutOfMemoryError, StackOverflowError: one tool call's failure, never the run's (or the server's) end
                out = ToolOutput.error("Tool " + v.call().name() + " failed: " + e);
            }
            for (PostToolUseHook hook : options.postToolUseHooks()) {
                try {
                    hook.afterToolUse(v.call(), out);
                } catch (RuntimeException ignored) {
                    // an observer's failure must not change the result the model sees
                }
            }
        }
        events.emit(new EventData.ToolResult(v.call().id(), out.content(), out.isError(), (System.nanoTime() - start) / 1_000_000));
        if (context != null) reportNetworkDenials(context);
        return out;
    }

    /** Audit entries already reported (or there before this run's first tool call); -1 until known. */
    private int auditSeen = -1;

    private static List<io.agentbox.sandbox.NetworkAuditEntry> audit(ToolContext context) {
        try {
            return context.sandbox() == null ? List.of() : context.sandbox().networkAudit();
        } catch (RuntimeException e) {
            return List.of(); // the sandbox ended; nothing more to report
        }
    }

    /** The refusals the egress recorded while the tool ran (it writes them before closing the connection). */
    private synchronized void auditBaseline(ToolContext context) {
        if (auditSeen < 0) auditSeen = audit(context).size();
    }

    private synchronized void reportNetworkDenials(ToolContext context) {
        List<io.agentbox.sandbox.NetworkAuditEntry> all = audit(context);
        for (int i = Math.max(auditSeen, 0); i < all.size(); i++) {
            var e = all.get(i);
            if (!e.denied()) continue;
            events.emit(new EventData.NetworkDenied(e.ts().toString(), "network", e.host().orElse(null), e.ip().orElse(null), e.port(),
                    e.protocol(), e.decision(), e.reason()));
        }
        auditSeen = Math.max(auditSeen, all.size());
    }

    private Verdict check(ToolUse requested) {
        ToolUse call = requested;
        Tool tool = tools.get(call.name());
        if (tool == null) {
            boolean hidden = all.stream().anyMatch(t -> t.name().equals(requested.name()));
            return refuse(call, null, hidden ? "Permission denied: the tool " + call.name() + " is disallowed."
                    : "Error: no such tool available: " + call.name());
        }
        boolean approved = false;
        for (PreToolUseHook hook : options.preToolUseHooks()) {
            HookDecision decision;
            try {
                decision = hook.beforeToolUse(call);
            } catch (RuntimeException e) {
                return refuse(call, tool, "Blocked: a PreToolUse hook failed: " + e.getMessage());
            }
            switch (decision) {
                case HookDecision.Deny d -> { return refuse(call, tool, "Blocked by a PreToolUse hook: " + d.reason()); }
                case HookDecision.Modify m -> call = new ToolUse(call.id(), call.name(), m.input());
                case HookDecision.Allow a -> approved = true;
                case HookDecision.Continue c -> { }
            }
        }
        Optional<String> denied = deniedByRule(tool, call.input());
        if (denied.isPresent()) return refuse(call, tool, denied.get());
        PermissionMode mode = options.permissionMode();
        if (mode == PermissionMode.PLAN && tool.access() != ToolAccess.READ) {
            return refuse(call, tool, "Permission denied: plan mode allows read-only tools only, so " + call.name() + " did not run.");
        }
        Optional<String> subject = tool.ruleSubject(call.input());
        if (approved || mode == PermissionMode.BYPASS_PERMISSIONS || mode == PermissionMode.PLAN
                || tool.access() == ToolAccess.READ
                || mode == PermissionMode.ACCEPT_EDITS && tool.access() == ToolAccess.EDIT
                || ToolRule.allowAll(options.allowedTools(), tool.name(), subject, workdir)) {
            return new Verdict(call, tool, Optional.empty());
        }
        return ask(call, tool);
    }

    private Verdict ask(ToolUse call, Tool tool) {
        if (options.permissionCallback().isEmpty()) {
            return refuse(call, tool, "Permission denied: " + call.name() + " needs approval and no one can give it"
                    + " (permission mode " + options.permissionMode().wireName() + ", no permission callback).");
        }
        events.emit(new EventData.PermissionRequest(call.id(), call.name(), call.input()));
        CompletableFuture<PermissionDecision> answer = options.permissionCallback().get()
                .decide(events.runId(), call).toCompletableFuture();
        PermissionDecision decision;
        try (var reg = cancellation.onCancel(() -> answer.cancel(true))) {
            decision = answer.join();
        } catch (RuntimeException e) {
            if (cancellation.isCanceled()) return refuse(call, tool, "Not run: the run was canceled.");
            return refuse(call, tool, "Permission denied: the permission callback failed: " + e.getMessage());
        }
        return switch (decision) {
            case PermissionDecision.Deny d -> refuse(call, tool, "Permission denied: " + d.message());
            case PermissionDecision.Allow a -> {
                ToolUse updated = a.updatedInput().map(in -> new ToolUse(call.id(), call.name(), in)).orElse(call);
                yield deniedByRule(tool, updated.input()).map(m -> refuse(updated, tool, m))
                        .orElse(new Verdict(updated, tool, Optional.empty()));
            }
        };
    }

    private Optional<String> deniedByRule(Tool tool, JsonNode input) {
        Optional<String> subject = tool.ruleSubject(input);
        return options.disallowedTools().stream().filter(r -> r.matches(tool.name(), subject, workdir, false)).findFirst()
                .map(r -> {
                    String what = "Permission denied: " + tool.name() + subject.map(s -> " (" + s + ")").orElse("");
                    Optional<String> opaque = r.toolName().equals("Bash") && r.specifier().isPresent()
                            ? subject.flatMap(c -> BashCommand.analyse(c).unanalysable()) : Optional.empty();
                    // a command the rules cannot see into could run what they forbid
                    return opaque.map(why -> what + " is refused: the command " + why + ", and while a Bash deny rule ("
                            + r + ") exists, commands that cannot be analysed do not run.")
                            .orElse(what + " is refused by the rule " + r + ".");
                });
    }

    private static Verdict refuse(ToolUse call, Tool tool, String why) {
        return new Verdict(call, tool, Optional.of(why));
    }

    static AgentboxException canceled(String reason) {
        return new AgentboxException(ErrorCategory.CANCELED, reason);
    }
}
