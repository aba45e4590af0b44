package io.agentbox.server.runs;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.AgentErrorCategory;
import io.agentbox.sandbox.Durations;
import io.agentbox.server.ServerConfig;
import io.agentbox.server.http.Json;
import io.agentbox.server.log.Redactor;
import io.agentbox.server.model.Run;
import io.agentbox.agent.RunStatus;
import io.agentbox.server.model.Workspace;
import io.agentbox.server.sandboxes.SandboxService;
import io.agentbox.server.store.EventStore;
import io.agentbox.server.store.RunStore;
import io.agentbox.server.store.RunUpdate;
import io.agentbox.server.store.TenancyStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Starts queued runs, oldest first, while this node has capacity and the run's workspace is under its
 * concurrency quota. Claiming is a compare-and-set ({@code queued → booting}), so several nodes sharing
 * a database never start the same run. The loop also sends this node's heartbeat and picks up
 * cancellations requested through other nodes.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
    private static final Duration TICK = Duration.ofSeconds(1);

    private final ServerConfig config;
    private final RunStore runs;
    private final EventStore events;
    private final RunEnding ending;
    private final TenancyStore tenancy;
    private final RunStateMachine stateMachine;
    private final Budgets budgets;
    private final SandboxService sandboxes;
    private final RunExecutor executor;
    private final Clock clock;
    private final Map<String, RunContext> active = new ConcurrentHashMap<>();
    private final Semaphore wakeups = new Semaphore(0);
    private volatile boolean accepting = true;
    private volatile boolean closed;
    private Thread loop;
    private Instant lastHeartbeat = Instant.EPOCH;
    private Instant startedAt = Instant.EPOCH;

    public Scheduler(ServerConfig config, RunStore runs, EventStore events, TenancyStore tenancy, RunStateMachine stateMachine,
                     Budgets budgets, SandboxService sandboxes, RunExecutor executor, Clock clock) {
        this.config = config;
        this.runs = runs;
        this.events = events;
        this.ending = new RunEnding(events);
        this.tenancy = tenancy;
        this.stateMachine = stateMachine;
        this.budgets = budgets;
        this.sandboxes = sandboxes;
        this.executor = executor;
        this.clock = clock;
    }

    public void start() {
        startedAt = clock.instant();
        runs.nodeHeartbeat(config.nodeId(), startedAt, startedAt);
        loop = Thread.ofPlatform().daemon().name("agentbox-scheduler").start(this::loop);
    }

    /** Asks for a scheduling pass now (a run was queued or finished). */
    public void wake() {
        wakeups.release();
    }

    /** The run's context when it executes on this node. */
    public Optional<RunContext> local(String runId) {
        return Optional.ofNullable(active.get(runId));
    }

    public int activeCount() {
        return active.size();
    }

    private void loop() {
        while (!closed) {
            try {
                wakeups.tryAcquire(TICK.toMillis(), TimeUnit.MILLISECONDS);
                wakeups.drainPermits();
                if (closed) break;
                Instant now = clock.instant();
                if (!lastHeartbeat.plus(config.heartbeatInterval()).isAfter(now)) {
                    runs.heartbeat(config.nodeId(), now);
                    runs.nodeHeartbeat(config.nodeId(), startedAt, now);
                    lastHeartbeat = now;
                }
                for (Run r : runs.cancelRequested(config.nodeId())) {
                    local(r.id()).ifPresent(ctx -> ctx.requestCancel("canceled by request"));
                }
                if (accepting) pass();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("scheduling pass failed", e);
            }
        }
    }

    private void pass() {
        int free = config.maxConcurrentRuns() - active.size();
        if (free <= 0) return;
        List<Run> queued = runs.queued(Math.max(100, free * 4));
        if (queued.isEmpty()) return;
        Map<String, Integer> busy = new HashMap<>(runs.activeByWorkspace());
        Map<String, Optional<Workspace>> workspaces = new HashMap<>();
        Set<String> liveNodes = null;
        for (Run run : queued) {
            if (free <= 0 || !accepting) return;
            Optional<Workspace> ws = workspaces.computeIfAbsent(run.workspaceId(), tenancy::workspace);
            if (ws.isEmpty()) continue;
            if (run.sessionId().isPresent()) {
                // a session's sandbox lives on the node that made it: its turns wait for that node while it
                // is alive; when it is lost, any node takes the turn (and the agent makes a new sandbox)
                Optional<String> home = runs.lastNodeOfSession(run.sessionId().get());
                if (home.isPresent() && !home.get().equals(config.nodeId())) {
                    if (liveNodes == null) liveNodes = runs.liveNodes(clock.instant().minus(config.heartbeatTimeout()));
                    if (liveNodes.contains(home.get())) continue;
                }
            }
            int quota = ws.get().maxConcurrentRuns().orElse(config.workspaceConcurrency());
            if (busy.getOrDefault(run.workspaceId(), 0) >= quota) continue;
            Optional<String> overBudget = budgets.exceeded(ws.get());
            if (overBudget.isPresent()) {
                Instant at = clock.instant();
                RunEnding.Ending e = ending.failed(run, at, at, AgentErrorCategory.BUDGET_EXCEEDED, overBudget.get());
                stateMachine.transition(run.id(), RunStatus.QUEUED, RunStatus.FAILED, e.update().build(), Optional.of(e.event()));
                continue;
            }
            Instant now = clock.instant();
            RunUpdate claim = RunUpdate.builder().nodeId(config.nodeId()).startedAt(now).deadlineAt(now.plus(lifetime(run, config))).build();
            if (!stateMachine.claim(run.id(), run.workspaceId(), quota, claim)) continue;
            busy.merge(run.workspaceId(), 1, Integer::sum);
            free--;
            launch(run);
        }
    }

    /** The run's lifetime: its {@code options.timeout} when given, capped by the server's run timeout. */
    static Duration lifetime(Run run, ServerConfig config) {
        String t = Json.parse(run.optionsJson()).path("timeout").asText("");
        if (t.isEmpty()) return config.runTimeout();
        Duration d = Durations.parse(t);
        return d.compareTo(config.runTimeout()) < 0 ? d : config.runTimeout();
    }

    private void launch(Run run) {
        RunContext ctx = new RunContext(run, stateMachine, events, clock, sandboxId -> runs.setSandbox(run.id(), sandboxId), ending);
        active.put(run.id(), ctx);
        Thread.ofVirtual().name("run-" + run.id()).start(() -> {
            try {
                executor.execute(ctx);
            } catch (Throwable t) {
                ErrorCategory category = t instanceof AgentboxException ae ? ae.category() : ErrorCategory.INTERNAL;
                if (!(t instanceof AgentboxException)) LOG.error("run {} failed unexpectedly", run.id(), t);
                ctx.fail(category, Redactor.redact(String.valueOf(t.getMessage())));
            } finally {
                if (!ctx.ended()) ctx.fail(ErrorCategory.INTERNAL, "the run ended without a result");
                // A session's sandbox outlives its runs: it ends with the session (and counts as live until then).
                if (run.sessionId().isEmpty()) ctx.sandboxId().ifPresent(id -> sandboxes.kill(id, "run ended"));
                active.remove(run.id());
                wake();
            }
        });
    }

    /**
     * Graceful stop: starts no more runs, lets the ones in flight finish for up to {@code grace}, then
     * asks what is left to cancel and waits briefly for those to end. Returns the runs that still did not
     * end, for the caller to terminate.
     */
    public List<Run> drain(Duration grace) {
        accepting = false;
        Instant deadline = clock.instant().plus(grace);
        while (!active.isEmpty() && clock.instant().isBefore(deadline)) sleep(50);
        for (RunContext ctx : active.values()) ctx.requestCancel("server shutting down");
        Instant hard = clock.instant().plusSeconds(5);
        while (!active.isEmpty() && clock.instant().isBefore(hard)) sleep(20);
        return active.values().stream().map(RunContext::run).toList();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        accepting = false;
        wake();
        if (loop != null) {
            try {
                loop.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How runs that end outside their agent get their terminal event. */
    RunEnding ending() {
        return ending;
    }
}
