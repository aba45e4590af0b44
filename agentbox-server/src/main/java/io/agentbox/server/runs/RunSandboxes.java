package io.agentbox.server.runs;

import io.agentbox.agent.SandboxListener;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.model.SandboxRecord;
import io.agentbox.server.sandboxes.SandboxService;
import io.agentbox.server.store.SessionStore;

import java.util.Optional;

/**
 * The server's books on the sandbox of one run, kept as the agent session that owns the sandbox reports
 * each step: a sandbox it creates (from the {@link SandboxService#labelled} spec) is recorded with its
 * workspace and owner, and written on the run and on its session, before the agent does anything in it; a
 * sandbox it replaces, or kills, is recorded as ended. Whichever sandbox the run gets, created or
 * reconnected, is snapshotted first so that the files the run changes can be told apart.
 */
final class RunSandboxes implements SandboxListener {
    private final SandboxService sandboxes;
    private final RunContext ctx;
    private final Optional<String> sessionId;
    private final SessionStore sessions;
    private final Optional<ArtifactCapture> capture;
    private final SandboxSpec spec;
    private volatile Sandbox current;
    private volatile ArtifactCapture.Snapshot before = ArtifactCapture.Snapshot.EMPTY;
    private volatile String endReason = "run ended";

    RunSandboxes(SandboxService sandboxes, RunContext ctx, Optional<String> sessionId, SessionStore sessions,
                 Optional<ArtifactCapture> capture, SandboxSpec spec) {
        this.sandboxes = sandboxes;
        this.ctx = ctx;
        this.sessionId = sessionId;
        this.sessions = sessions;
        this.capture = capture;
        this.spec = spec;
    }

    /** The spec the agent creates the run's sandboxes from: labelled with the workspace, the owner and this node. */
    SandboxSpec spec() {
        return sandboxes.labelled(spec, ctx.run().workspaceId(), Optional.of(owner()));
    }

    @Override
    public void created(Sandbox sandbox, Optional<String> replaces) {
        SandboxRecord.Kind kind = sessionId.isPresent() ? SandboxRecord.Kind.SESSION : SandboxRecord.Kind.RUN;
        sandboxes.record(sandbox, spec, ctx.run().workspaceId(), ctx.run().createdBy(), kind, Optional.of(owner()));
        replaces.ifPresent(old -> sandboxes.ended(old, "ended (expired or killed); replaced by " + sandbox.id()));
        sessionId.ifPresent(id -> sessions.setSandbox(id, sandbox.id()));
    }

    @Override
    public void acquired(Sandbox sandbox) {
        ctx.sandboxCreated(sandbox.id());
        current = sandbox;
        before = capture.map(c -> c.snapshot(sandbox)).orElse(ArtifactCapture.Snapshot.EMPTY);
    }

    @Override
    public void ended(String sandboxId) {
        sandboxes.ended(sandboxId, endReason);
    }

    /** Why the session's kill, if it comes, ends the sandbox. */
    void endReason(String reason) {
        endReason = reason;
    }

    /** The sandbox the run got last (the agent may have replaced a lost session sandbox). */
    Optional<Sandbox> current() {
        return Optional.ofNullable(current);
    }

    ArtifactCapture.Snapshot before() {
        return before;
    }

    private String owner() {
        return sessionId.orElse(ctx.runId());
    }
}
