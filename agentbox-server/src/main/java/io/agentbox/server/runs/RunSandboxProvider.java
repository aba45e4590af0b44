package io.agentbox.server.runs;

import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.model.SandboxRecord;
import io.agentbox.server.sandboxes.SandboxService;
import io.agentbox.server.store.SessionStore;

import java.util.List;
import java.util.Optional;

/**
 * The sandboxes as one run's agent sees them. A sandbox the agent creates goes through
 * {@link SandboxService} (labelled with its owner, recorded) and is written on the run, and on its
 * session, before the agent does anything in it; whichever sandbox the run gets, created or
 * reconnected, is snapshotted first so that the files the run changes can be told apart.
 */
final class RunSandboxProvider implements SandboxProvider {
    private final SandboxService sandboxes;
    private final RunContext ctx;
    private final Optional<String> sessionId;
    private final SessionStore sessions;
    private final Optional<ArtifactCapture> capture;
    private volatile Sandbox current;
    private volatile ArtifactCapture.Snapshot before = ArtifactCapture.Snapshot.EMPTY;

    RunSandboxProvider(SandboxService sandboxes, RunContext ctx, Optional<String> sessionId, SessionStore sessions,
                       Optional<ArtifactCapture> capture) {
        this.sandboxes = sandboxes;
        this.ctx = ctx;
        this.sessionId = sessionId;
        this.sessions = sessions;
        this.capture = capture;
    }

    @Override
    public Sandbox create(SandboxSpec spec) {
        SandboxRecord.Kind kind = sessionId.isPresent() ? SandboxRecord.Kind.SESSION : SandboxRecord.Kind.RUN;
        Sandbox s = sandboxes.create(spec, ctx.run().workspaceId(), ctx.run().createdBy(), kind,
                Optional.of(sessionId.orElse(ctx.runId())));
        sessionId.ifPresent(id -> sessions.setSandbox(id, s.id()));
        return attach(s);
    }

    @Override
    public Sandbox connect(String id) {
        return attach(sandboxes.provider().connect(id));
    }

    private Sandbox attach(Sandbox s) {
        ctx.sandboxCreated(s.id());
        current = s;
        before = capture.map(c -> c.snapshot(s)).orElse(ArtifactCapture.Snapshot.EMPTY);
        return s;
    }

    @Override
    public List<SandboxInfo> list(SandboxQuery query) {
        return sandboxes.provider().list(query);
    }

    @Override
    public boolean kill(String id) {
        return sandboxes.provider().kill(id);
    }

    /** The sandbox the run got last (the agent may have replaced a lost session sandbox). */
    Optional<Sandbox> current() {
        return Optional.ofNullable(current);
    }

    ArtifactCapture.Snapshot before() {
        return before;
    }
}
