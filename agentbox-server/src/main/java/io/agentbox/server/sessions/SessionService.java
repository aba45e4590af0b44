package io.agentbox.server.sessions;

import io.agentbox.ErrorCategory;
import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.ServerConfig;
import io.agentbox.server.auth.Caller;
import io.agentbox.server.http.ApiException;
import io.agentbox.server.model.Page;
import io.agentbox.server.model.Role;
import io.agentbox.server.model.Run;
import io.agentbox.agent.RunStatus;
import io.agentbox.server.model.Session;
import io.agentbox.server.runs.RunService;
import io.agentbox.server.sandboxes.SandboxService;
import io.agentbox.Ids;
import io.agentbox.server.store.RunQuery;
import io.agentbox.server.store.RunStore;
import io.agentbox.server.store.SessionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Multi-turn sessions: one conversation and one sandbox over many runs (one run per message, one at a
 * time). Ending a session (by request or after the idle timeout) cancels its run in flight and kills
 * its sandbox; the reason is recorded.
 */
public final class SessionService {
    private static final Logger LOG = LoggerFactory.getLogger(SessionService.class);

    /** A validated request to open a session. */
    public record NewSession(Optional<String> workspaceId, Optional<String> model, Optional<String> template, String optionsJson) {}

    private final ServerConfig config;
    private final SessionStore sessions;
    private final RunStore runs;
    private final RunService runService;
    private final SandboxService sandboxes;
    private final Clock clock;

    public SessionService(ServerConfig config, SessionStore sessions, RunStore runs, RunService runService,
                          SandboxService sandboxes, Clock clock) {
        this.config = config;
        this.sessions = sessions;
        this.runs = runs;
        this.runService = runService;
        this.sandboxes = sandboxes;
        this.clock = clock;
    }

    public Session create(Caller caller, NewSession req) {
        String ws = runService.targetWorkspace(caller, req.workspaceId());
        caller.require(ws, Role.MEMBER, "workspace " + ws);
        Session s = Session.open(Ids.newId("ses"), ws, caller.principalId(), req.model(),
                req.template().orElse(SandboxSpec.DEFAULT_TEMPLATE), req.optionsJson(), clock.instant());
        sessions.insert(s);
        return s;
    }

    /** A session the caller may see; 404 otherwise. */
    public Session get(Caller caller, String id) {
        Session s = sessions.find(id).orElseThrow(() -> ApiException.notFound("session " + id));
        caller.requireMember(s.workspaceId(), "session " + id);
        return s;
    }

    public Page<Session> list(Caller caller, Optional<String> workspaceId, Optional<Session.Status> status, int limit,
                              Optional<String> cursor) {
        Set<String> scope = workspaceId.map(ws -> {
            caller.requireMember(ws, "workspace " + ws);
            return Set.of(ws);
        }).orElse(caller.workspaceIds());
        return sessions.list(scope, status, limit, cursor);
    }

    /** The session's run in flight, if any: its latest (a session runs one turn at a time). */
    public Optional<Run> activeRun(Session s) {
        return latestRun(s).filter(r -> !r.status().terminal());
    }

    /** The session's runs, newest first (at most the last 200). */
    public List<Run> runsOf(Session s) {
        return runs.list(new RunQuery(Set.of(s.workspaceId()), Optional.empty(), Optional.empty(), Optional.of(s.id()), 200,
                Optional.empty())).data();
    }

    /** The session as stored now (no authorization: for a caller already admitted). */
    public Optional<Session> find(String id) {
        return sessions.find(id);
    }

    /** The session's latest run, whatever its state. */
    public Optional<Run> latestRun(Session s) {
        return runs.list(new RunQuery(Set.of(s.workspaceId()), Optional.empty(), Optional.empty(), Optional.of(s.id()), 1,
                Optional.empty())).data().stream().findFirst();
    }

    /** Ends the session (its creator, or an admin or owner): cancels its run in flight and kills its sandbox. */
    public Session end(Caller caller, String id, String reason) {
        Session s = get(caller, id);
        caller.requireCreatorOrAdmin(s.workspaceId(), s.createdBy(), "session " + id, "end");
        if (s.status() == Session.Status.ENDED) return s;
        end(s, reason);
        return sessions.find(id).orElseThrow();
    }

    private void end(Session s, String reason) {
        if (!sessions.end(s.id(), reason, clock.instant())) return;
        activeRun(s).ifPresent(r -> runService.terminate(r, RunStatus.CANCELED, ErrorCategory.CANCELED, "session ended: " + reason));
        Optional<String> sandbox = sessions.find(s.id()).flatMap(Session::sandboxId);
        sandboxes.killOwnedBy(s.id(), sandbox, "session ended: " + reason);
        LOG.info("session {} ended: {}", s.id(), reason);
    }

    /** Reaper sweep: sessions idle longer than the idle timeout end, and their sandboxes go. */
    public int reapIdle() {
        int n = 0;
        for (Session s : sessions.idleSince(clock.instant().minus(config.sessionIdleTimeout()))) {
            end(s, "idle for " + Durations.format(config.sessionIdleTimeout()));
            n++;
        }
        return n;
    }
}
