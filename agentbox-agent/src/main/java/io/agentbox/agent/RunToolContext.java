package io.agentbox.agent;

import io.agentbox.agent.tools.ToolContext;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandHandle;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Sandbox;

import io.opentelemetry.api.trace.Span;

import java.util.concurrent.atomic.AtomicReference;

/** The tools' view of a run: its sandbox, its working directory, and commands that a cancel kills. */
final class RunToolContext implements ToolContext {
    private final Sandbox sandbox;
    private final String runId;
    private final String toolUseId;
    private final AtomicReference<String> cwd;
    private final Cancellation cancellation;
    private final RunSpans spans;

    RunToolContext(Sandbox sandbox, String runId, String toolUseId, AtomicReference<String> cwd, Cancellation cancellation) {
        this(sandbox, runId, toolUseId, cwd, cancellation, RunSpans.off());
    }

    RunToolContext(Sandbox sandbox, String runId, String toolUseId, AtomicReference<String> cwd, Cancellation cancellation,
                   RunSpans spans) {
        this.spans = spans;
        this.sandbox = sandbox;
        this.runId = runId;
        this.toolUseId = toolUseId;
        this.cwd = cwd;
        this.cancellation = cancellation;
    }

    @Override public Sandbox sandbox() { return sandbox; }
    @Override public String runId() { return runId; }
    @Override public String toolUseId() { return toolUseId; }
    @Override public String cwd() { return cwd.get(); }
    @Override public void cwd(String directory) { cwd.set(directory); }

    @Override
    public CommandResult run(Command command) {
        if (cancellation.isCanceled()) throw ToolRunner.canceled("the run was canceled");
        // run() semantics: no stdin unless given (an empty one is closed by the sandbox right away)
        Command once = command.stdin().isPresent() ? command : command.toBuilder().stdin(new byte[0]).build();
        Span exec = spans.startExec(sandbox.id(), command);
        try {
            CommandHandle handle = sandbox.commands().start(once);
            try (var reg = cancellation.onCancel(handle::kill)) {
                CommandResult r = handle.await();
                RunSpans.endExec(exec, r);
                return r;
            }
        } catch (RuntimeException e) {
            RunSpans.fail(exec, "sandbox_error", String.valueOf(e.getMessage()));
            throw e;
        }
    }

    @Override
    public CommandHandle start(Command command) {
        if (cancellation.isCanceled()) throw ToolRunner.canceled("the run was canceled");
        CommandHandle handle = sandbox.commands().start(command);
        cancellation.onCancel(handle::kill);
        return handle;
    }
}
