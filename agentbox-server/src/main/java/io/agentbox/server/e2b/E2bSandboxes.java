package io.agentbox.server.e2b;

import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxNotFoundException;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.auth.Caller;
import io.agentbox.server.http.ApiException;
import io.agentbox.server.model.SandboxRecord;
import io.agentbox.server.sandboxes.RawSandboxes;
import io.agentbox.server.sandboxes.SandboxService;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The E2B view of the server's raw sandboxes: tenancy through {@link RawSandboxes} (another workspace's
 * sandbox is not found), envd tokens, and live handles cached for the envd plane, which has no API key
 * and finds its sandbox by id and token alone.
 */
final class E2bSandboxes {
    /** The E2B template name a sandbox was created with (E2B names are not agentbox names: {@code base} is {@code host}). */
    static final String META_E2B_TEMPLATE = "agentbox.e2b.template";

    private final SandboxService service;
    private final RawSandboxes raw;
    private final EnvdTokens tokens;
    private final Clock clock;
    private final Map<String, Sandbox> handles = new ConcurrentHashMap<>();

    E2bSandboxes(SandboxService service, RawSandboxes raw, EnvdTokens tokens, Clock clock) {
        this.service = service;
        this.raw = raw;
        this.tokens = tokens;
        this.clock = clock;
    }

    EnvdTokens tokens() {
        return tokens;
    }

    Clock clock() {
        return clock;
    }

    Sandbox create(Caller caller, SandboxSpec spec) {
        String ws = caller.firstWorkspace().orElseThrow(() -> E2bError.notFound("workspace (this key belongs to none)"));
        try {
            SandboxRecord r = raw.create(caller, ws, spec);
            Sandbox s = service.provider().connect(r.id());
            handles.put(s.id(), s);
            return s;
        } catch (ApiException e) {
            throw translate(e);
        }
    }

    /**
     * The caller's live sandbox; not found when it ended or belongs to another workspace. With an
     * {@code action} (e.g. "connect to"), only its creator and the workspace's admins and owners get it.
     */
    Sandbox get(Caller caller, String id, Optional<String> action) {
        try {
            if (action.isPresent()) raw.use(caller, id, action.get());
            else raw.get(caller, id);
        } catch (ApiException e) {
            throw translate(e);
        }
        return live(id).orElseThrow(() -> E2bError.notFound("sandbox " + id + " not found"));
    }

    boolean kill(Caller caller, String id) {
        try {
            SandboxRecord r = raw.use(caller, id, "kill");
            if (r.endedAt().isPresent()) return false;
            if (live(id).isEmpty()) return false;
            raw.kill(caller, id);
            handles.remove(id);
            return true;
        } catch (ApiException e) {
            if (e.status() == 404) return false;
            throw translate(e);
        }
    }

    /** Live raw sandboxes of the caller's workspaces, oldest first (a stable order for paging). */
    List<SandboxInfo> list(Caller caller) {
        List<SandboxInfo> out = new ArrayList<>();
        for (String ws : caller.workspaceIds()) {
            for (SandboxInfo info : service.provider().list(SandboxQuery.metadata(Map.of(SandboxService.META_WORKSPACE, ws)))) {
                if (info.metadata().containsKey(SandboxService.META_OWNER)) continue; // a run's or a session's sandbox
                out.add(info);
            }
        }
        out.sort(Comparator.comparing(SandboxInfo::createdAt).thenComparing(SandboxInfo::id));
        return out;
    }

    /** A live handle by id alone (envd requests are authorized by their token, not a key). */
    Optional<Sandbox> live(String id) {
        Sandbox cached = handles.get(id);
        if (cached != null) return Optional.of(cached);
        Optional<SandboxRecord> record = service.store().find(id);
        if (record.isEmpty() || record.get().endedAt().isPresent() || record.get().kind() != SandboxRecord.Kind.RAW) return Optional.empty();
        try {
            Sandbox s = service.provider().connect(id);
            handles.put(id, s);
            return Optional.of(s);
        } catch (SandboxNotFoundException e) {
            service.store().markEnded(id, "expired", clock.instant());
            return Optional.empty();
        }
    }

    /** Forgets a handle whose sandbox turned out to be gone. */
    void gone(String id) {
        handles.remove(id);
    }

    void setTimeout(Caller caller, String id, Duration timeout) {
        Sandbox s = get(caller, id, Optional.of("set the timeout of"));
        try {
            s.setTimeout(timeout);
        } catch (SandboxNotFoundException e) {
            gone(id);
            throw E2bError.notFound("sandbox " + id + " not found");
        } catch (SandboxException e) {
            throw E2bError.badRequest(e.getMessage());
        }
    }

    private static E2bError translate(ApiException e) {
        return switch (e.status()) {
            case 401 -> E2bError.unauthorized(e.getMessage());
            case 403 -> E2bError.forbidden(e.getMessage());
            case 404 -> E2bError.notFound(e.getMessage());
            case 409 -> new E2bError(409, "failed_precondition", e.getMessage());
            case 429 -> E2bError.rateLimited(e.retryAfterSeconds().orElse(1));
            default -> e.status() >= 500 ? E2bError.internal(e.getMessage()) : E2bError.badRequest(e.getMessage());
        };
    }
}
