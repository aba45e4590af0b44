package io.agentbox.server.sandboxes;

import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxNotFoundException;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.auth.Caller;
import io.agentbox.server.http.ApiException;
import io.agentbox.server.model.Role;
import io.agentbox.server.model.SandboxRecord;
import io.agentbox.server.model.Session;
import io.agentbox.server.store.SessionStore;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Sandboxes used directly over HTTP: members see them; members create them; what runs inside or is
 * stored in one (exec, files, kill) is for its creator and the workspace's admins and owners only. The
 * creator of a run's or session's sandbox is the creator of that run or session.
 */
public final class RawSandboxes {
    private final SandboxService sandboxes;
    private final SessionStore sessions;

    public RawSandboxes(SandboxService sandboxes, SessionStore sessions) {
        this.sandboxes = sandboxes;
        this.sessions = sessions;
    }

    public SandboxRecord create(Caller caller, String workspaceId, SandboxSpec spec) {
        caller.require(workspaceId, Role.MEMBER, "workspace " + workspaceId);
        Sandbox s = sandboxes.create(spec, workspaceId, caller.principalId(), SandboxRecord.Kind.RAW, Optional.empty());
        return sandboxes.store().find(s.id()).orElseThrow();
    }

    public List<SandboxRecord> list(Caller caller, String workspaceId) {
        caller.requireMember(workspaceId, "workspace " + workspaceId);
        return sandboxes.store().liveOf(workspaceId);
    }

    /** The caller's view of a sandbox; 404 when it belongs to a workspace the caller is not in. */
    public SandboxRecord get(Caller caller, String id) {
        SandboxRecord r = sandboxes.store().find(id).orElseThrow(() -> ApiException.notFound("sandbox " + id));
        caller.requireMember(r.workspaceId(), "sandbox " + id);
        return r;
    }

    /** A sandbox the caller may {@code action} (e.g. "exec into"): 404 outside its workspace, 403 unless creator, admin or owner. */
    public SandboxRecord use(Caller caller, String id, String action) {
        SandboxRecord r = get(caller, id);
        caller.requireCreatorOrAdmin(r.workspaceId(), creator(r), "sandbox " + id, action);
        return r;
    }

    /** Whom the sandbox is for: a session's sandbox is its session's, whoever sent the turn that created it. */
    private String creator(SandboxRecord r) {
        if (r.kind() == SandboxRecord.Kind.SESSION) {
            Optional<String> sessionCreator = r.ownerId().flatMap(sessions::find).map(Session::createdBy);
            if (sessionCreator.isPresent()) return sessionCreator.get();
        }
        return r.createdBy();
    }

    /** A live handle for a caller who may {@code action} the sandbox; 404 when it ended. */
    public Sandbox connect(Caller caller, String id, String action) {
        SandboxRecord r = use(caller, id, action);
        if (r.endedAt().isPresent()) throw ApiException.notFound("sandbox " + id);
        try {
            return sandboxes.provider().connect(id);
        } catch (SandboxNotFoundException e) {
            sandboxes.store().markEnded(id, "expired", Instant.now());
            throw ApiException.notFound("sandbox " + id);
        }
    }

    public void kill(Caller caller, String id) {
        SandboxRecord r = use(caller, id, "kill");
        if (r.kind() != SandboxRecord.Kind.RAW) {
            throw ApiException.conflict("sandbox " + id + " serves a " + r.kind().name().toLowerCase() + "; cancel that instead");
        }
        sandboxes.kill(id, "killed by request");
    }
}
