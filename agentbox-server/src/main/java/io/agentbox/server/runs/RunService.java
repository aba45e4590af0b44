package io.agentbox.server.runs;

import io.agentbox.server.telemetry.RunParents;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.permission.PermissionDecision;
import io.agentbox.sandbox.Resources;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.ServerConfig;
import io.agentbox.server.auth.Caller;
import io.agentbox.server.http.ApiException;
import io.agentbox.server.http.Json;
import io.agentbox.server.model.Page;
import io.agentbox.server.model.Role;
import io.agentbox.server.model.Run;
import io.agentbox.agent.RunStatus;
import io.agentbox.server.model.Session;
import io.agentbox.server.model.Workspace;
import io.agentbox.server.sandboxes.SandboxLimits;
import io.agentbox.server.sandboxes.SandboxService;
import io.agentbox.Ids;
import io.agentbox.server.store.RunQuery;
import io.agentbox.server.store.RunStore;
import io.agentbox.server.store.RunUpdate;
import io.agentbox.server.store.SessionStore;
import io.agentbox.server.store.TenancyStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;

/** Accepting, reading, listing, canceling and terminating runs, with the authorization rules for each. */
public final class RunService {
    private static final Logger LOG = LoggerFactory.getLogger(RunService.class);
    private static final Duration CANCEL_WAIT = Duration.ofMillis(1500);

    /**
     * A validated request to start a run. A run of a session takes the session's workspace, and its model,
     * template and options unless the request sets them ({@code options} fields override one by one).
     */
    public record NewRun(Optional<String> workspaceId, String prompt, Optional<String> model, Optional<String> template,
                         Optional<String> sessionId, ObjectNode options) {}

    private final ServerConfig config;
    private final RunStore runs;
    private final TenancyStore tenancy;
    private final RunStateMachine stateMachine;
    private final Scheduler scheduler;
    private final Budgets budgets;
    private final SandboxService sandboxes;
    private final SessionStore sessions;
    private final Permissions permissions;
    private final Optional<String> unavailable;
    private final Clock clock;
    private final SandboxLimits sandboxLimits;
    private final ToLongFunction<String> artifactBytesOfWorkspace;

    /** @param unavailable why this server cannot carry out runs (e.g. no model API key); requests get 503 */
    public RunService(ServerConfig config, RunStore runs, TenancyStore tenancy, RunStateMachine stateMachine,
                      Scheduler scheduler, Budgets budgets, SandboxService sandboxes, SessionStore sessions,
                      Permissions permissions, Optional<String> unavailable, Clock clock, SandboxLimits sandboxLimits,
                      ToLongFunction<String> artifactBytesOfWorkspace) {
        this.sandboxLimits = sandboxLimits;
        this.artifactBytesOfWorkspace = artifactBytesOfWorkspace;
        this.config = config;
        this.runs = runs;
        this.tenancy = tenancy;
        this.stateMachine = stateMachine;
        this.scheduler = scheduler;
        this.budgets = budgets;
        this.sandboxes = sandboxes;
        this.sessions = sessions;
        this.permissions = permissions;
        this.unavailable = unavailable;
        this.clock = clock;
    }

    /** The workspace a request targets: the given one, or the caller's first; 404 when not a member. */
    public String targetWorkspace(Caller caller, Optional<String> workspaceId) {
        String ws = workspaceId.orElseGet(() -> caller.firstWorkspace()
                .orElseThrow(() -> ApiException.notFound("workspace (you belong to none)")));
        caller.requireMember(ws, "workspace " + ws);
        return ws;
    }

    public Run create(Caller caller, NewRun req) {
        long promptBytes = req.prompt().getBytes(StandardCharsets.UTF_8).length;
        if (promptBytes > config.maxPromptBytes()) {
            throw ApiException.tooLarge("prompt is " + promptBytes + " bytes; the limit is " + config.maxPromptBytes());
        }
        Optional<Session> session = req.sessionId().map(id -> {
            Session s = sessions.find(id).orElseThrow(() -> ApiException.notFound("session " + id));
            caller.requireCreatorOrAdmin(s.workspaceId(), s.createdBy(), "session " + id, "send messages to");
            if (req.workspaceId().filter(w -> !w.equals(s.workspaceId())).isPresent()) {
                throw ApiException.invalidField("workspaceId", "must be the session's workspace " + s.workspaceId() + " or left out");
            }
            return s;
        });
        String wsId = session.map(Session::workspaceId).orElseGet(() -> targetWorkspace(caller, req.workspaceId()));
        caller.require(wsId, Role.MEMBER, "workspace " + wsId);
        session.filter(s -> s.status() != Session.Status.ACTIVE).ifPresent(s -> {
            throw ApiException.conflict("session " + s.id() + " has ended (" + s.endReason().orElse("ended") + ")");
        });
        Workspace ws = tenancy.workspace(wsId).orElseThrow(() -> ApiException.notFound("workspace " + wsId));
        unavailable.ifPresent(why -> {
            throw ApiException.unavailable(why);
        });
        budgets.exceeded(ws).ifPresent(m -> {
            throw ApiException.budgetExceeded(m);
        });
        ObjectNode options = session.map(s -> (ObjectNode) Json.parse(s.optionsJson())).orElseGet(Json::object);
        options.setAll(req.options());
        requireRoom(wsId, session, options);
        Run run = Run.queued(Ids.newId("run"), wsId, req.sessionId(), caller.principalId(), req.prompt(),
                req.model().or(() -> session.flatMap(Session::model)),
                req.template().or(() -> session.map(Session::template)).orElse(SandboxSpec.DEFAULT_TEMPLATE),
                Json.write(options), clock.instant());
        if (session.isPresent()) {
            switch (sessions.insertTurn(run, clock.instant())) {
                case QUEUED -> { }
                case NOT_ACTIVE -> throw ApiException.conflict("session " + session.get().id() + " has ended");
                case BUSY -> throw ApiException.conflict("session " + session.get().id()
                        + " is busy with a run; send the next message when that run has ended (or cancel it)");
            }
        } else {
            runs.insert(run);
        }
        RunParents.remember(run.id());
        scheduler.wake();
        return run;
    }

    /**
     * 429 when the run would take the workspace over a quota: a run that gets a new sandbox (no session,
     * or the session's first turn) needs room for one more; one that captures artifacts needs storage left.
     */
    private void requireRoom(String workspaceId, Optional<Session> session, ObjectNode options) {
        if (session.flatMap(Session::sandboxId).isEmpty()) sandboxLimits.checkRoom(workspaceId, Resources.DEFAULT.memoryMb());
        long maxArtifacts = sandboxLimits.limits().workspaceMaxArtifactBytes();
        if (options.path("captureArtifacts").asBoolean(true) && artifactBytesOfWorkspace.applyAsLong(workspaceId) >= maxArtifacts) {
            throw ApiException.quotaExceeded("workspace-max-artifact-storage", "workspace " + workspaceId
                    + " has used its artifact storage of " + maxArtifacts + " bytes; start the run with options.captureArtifacts false");
        }
    }

    /** A run the caller may see; 404 otherwise (another workspace's run does not exist for it). */
    public Run get(Caller caller, String id) {
        Run run = runs.find(id).orElseThrow(() -> ApiException.notFound("run " + id));
        caller.requireMember(run.workspaceId(), "run " + id);
        return run;
    }

    public Page<Run> list(Caller caller, Optional<String> workspaceId, Optional<RunStatus> status, Optional<Instant> since,
                          Optional<String> sessionId, Optional<String> createdBy, int limit, Optional<String> cursor) {
        Set<String> scope = workspaceId.map(ws -> {
            caller.requireMember(ws, "workspace " + ws);
            return Set.of(ws);
        }).orElse(caller.workspaceIds());
        return runs.list(new RunQuery(scope, status, since, sessionId, createdBy, limit, cursor));
    }

    /**
     * Cancels a run: only its creator or an admin/owner may. Returns once the run is {@code canceled} and
     * its sandbox is gone (or it had already ended some other way).
     */
    public Run cancel(Caller caller, String id, String reason) {
        Run run = get(caller, id);
        caller.requireCreatorOrAdmin(run.workspaceId(), run.createdBy(), "run " + id, "cancel");
        if (run.status().terminal()) {
            if (run.status() == RunStatus.CANCELED) return run;
            throw ApiException.conflict("run " + id + " already " + run.status().wireName());
        }
        runs.requestCancel(id, clock.instant());
        if (run.status() == RunStatus.QUEUED && cancelQueued(run, reason)) return runs.find(id).orElseThrow();

        Optional<RunContext> local = scheduler.local(id);
        local.ifPresent(ctx -> ctx.requestCancel(reason));
        // Another node notices the request within a scheduler tick; give either a moment to end the run itself.
        Duration wait = local.isPresent() ? CANCEL_WAIT : CANCEL_WAIT.plusSeconds(1);
        Instant deadline = clock.instant().plus(wait);
        while (clock.instant().isBefore(deadline)) {
            Run now = runs.find(id).orElseThrow();
            if (now.status().terminal()) {
                // A session keeps its sandbox for the next turn; the agent has stopped the run's processes in it.
                if (now.sessionId().isEmpty()) sandboxes.killOwnedBy(id, now.sandboxId(), "run " + now.status().wireName());
                return now;
            }
            sleep(20);
        }
        terminate(runs.find(id).orElseThrow(), RunStatus.CANCELED, ErrorCategory.CANCELED, reason);
        return runs.find(id).orElseThrow();
    }

    private boolean cancelQueued(Run run, String reason) {
        Instant now = clock.instant();
        RunEnding.Ending e = scheduler.ending().canceled(run, now, now, reason);
        return stateMachine.transition(run.id(), RunStatus.QUEUED, RunStatus.CANCELED, e.update().build(), Optional.of(e.event()));
    }

    /**
     * Answers a run's waiting {@code permission.request} (the run's creator, or an admin or owner):
     * 404 when the run has no such request waiting on this node.
     */
    public void answerPermission(Caller caller, String runId, String toolUseId, PermissionDecision decision) {
        Run run = get(caller, runId);
        caller.requireCreatorOrAdmin(run.workspaceId(), run.createdBy(), "run " + runId, "answer the permission requests of");
        if (!permissions.answer(runId, toolUseId, decision)) {
            throw ApiException.notFound("permission request " + toolUseId + " of run " + runId
                    + " (it was answered, timed out, or the run is not waiting for it)");
        }
    }

    /**
     * Ends a run from outside its executor (cancel that the executor did not honour in time, reaper,
     * reconciliation, shutdown): stops the local executor, records the terminal state and reason, and
     * kills every sandbox of the run.
     */
    public void terminate(Run run, RunStatus to, ErrorCategory category, String message) {
        scheduler.local(run.id()).ifPresent(ctx -> ctx.requestCancel(message));
        Run current = run;
        for (int attempt = 0; attempt < 3 && !current.status().terminal(); attempt++) {
            Instant now = clock.instant();
            Instant started = current.startedAt().orElse(now);
            RunEnding.Ending e = to == RunStatus.CANCELED ? scheduler.ending().canceled(current, started, now, message)
                    : scheduler.ending().failed(current, started, now, category, message);
            boolean ok = stateMachine.transition(run.id(), current.status(), to, e.update().build(), Optional.of(e.event()));
            if (ok) {
                LOG.info("run {} {}: {}", run.id(), to.wireName(), message);
                break;
            }
            current = runs.find(run.id()).orElse(current);
        }
        sandboxes.killOwnedBy(run.id(), runs.find(run.id()).flatMap(Run::sandboxId), message);
    }

    /**
     * Start-up reconciliation: runs this node had in flight when it died end {@code failed}
     * ({@code internal}, "server restarted") and their sandboxes are killed.
     */
    public int reconcile() {
        int n = 0;
        for (Run run : runs.inFlight(config.nodeId())) {
            if (scheduler.local(run.id()).isPresent()) continue;
            terminate(run, RunStatus.FAILED, ErrorCategory.INTERNAL, "server restarted");
            n++;
        }
        return n;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
