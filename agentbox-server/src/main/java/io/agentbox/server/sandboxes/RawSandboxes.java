package io.agentbox.server.sandboxes;

import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxNotFoundException;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.auth.Caller;
import io.agentbox.server.http.ApiException;
import io.agentbox.server.model.Role;
import io.agentbox.server.model.SandboxRecord;

import java.util.List;
import java.util.Optional;

/** Sandboxes used directly over HTTP: members read, members and up create, use and kill. */
public final class RawSandboxes {
    private final SandboxService sandboxes;

    public RawSandboxes(SandboxService sandboxes) {
        this.sandboxes = sandboxes;
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
    public SandboxRecord get(Caller caller, String id, Role minimum) {
        SandboxRecord r = sandboxes.store().find(id).orElseThrow(() -> ApiException.notFound("sandbox " + id));
        caller.require(r.workspaceId(), minimum, "sandbox " + id);
        return r;
    }

    /** A live handle for the caller; 404 when it ended. */
    public Sandbox connect(Caller caller, String id, Role minimum) {
        SandboxRecord r = get(caller, id, minimum);
        if (r.endedAt().isPresent()) throw ApiException.notFound("sandbox " + id);
        try {
            return sandboxes.provider().connect(id);
        } catch (SandboxNotFoundException e) {
            sandboxes.store().markEnded(id, "expired", java.time.Instant.now());
            throw ApiException.notFound("sandbox " + id);
        }
    }

    public void kill(Caller caller, String id) {
        SandboxRecord r = get(caller, id, Role.MEMBER);
        if (r.kind() != SandboxRecord.Kind.RAW) {
            throw ApiException.conflict("sandbox " + id + " serves a " + r.kind().name().toLowerCase() + "; cancel that instead");
        }
        sandboxes.kill(id, "killed by request");
    }
}
