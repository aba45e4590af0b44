package io.agentbox.server.runs;

import io.agentbox.ErrorCategory;
import io.agentbox.agent.AgentErrorCategory;
import io.agentbox.sandbox.Durations;
import io.agentbox.server.ServerConfig;
import io.agentbox.server.model.Run;
import io.agentbox.agent.RunStatus;
import io.agentbox.server.store.RunStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Periodically ends what nobody will end otherwise, recording why: runs stuck booting, runs past their
 * lifetime deadline, runs whose node stopped sending heartbeats, and idle sessions.
 */
public final class Reaper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);
    private static final List<RunStatus> IN_FLIGHT = List.of(RunStatus.BOOTING, RunStatus.RUNNING);

    private final ServerConfig config;
    private final RunStore runs;
    private final RunService runService;
    private final List<Runnable> extraSweeps;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("agentbox-reaper").unstarted(r));

    public Reaper(ServerConfig config, RunStore runs, RunService runService, List<Runnable> extraSweeps, Clock clock) {
        this.config = config;
        this.runs = runs;
        this.runService = runService;
        this.extraSweeps = List.copyOf(extraSweeps);
        this.clock = clock;
    }

    public void start() {
        long every = config.reaperInterval().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                sweep();
            } catch (RuntimeException e) {
                LOG.error("reaper sweep failed", e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /** One pass; returns how many runs it ended. */
    public int sweep() {
        Instant now = clock.instant();
        List<Run> ended = new ArrayList<>();
        for (Run r : runs.olderThan(List.of(RunStatus.BOOTING), RunStore.TimeColumn.STARTED_AT, now.minus(config.bootTimeout()))) {
            runService.terminate(r, RunStatus.FAILED, AgentErrorCategory.TIMEOUT,
                    "run was still booting after " + Durations.format(config.bootTimeout()));
            ended.add(r);
        }
        for (Run r : runs.olderThan(IN_FLIGHT, RunStore.TimeColumn.DEADLINE_AT, now)) {
            runService.terminate(r, RunStatus.FAILED, AgentErrorCategory.TIMEOUT, "run exceeded its lifetime deadline");
            ended.add(r);
        }
        for (Run r : runs.olderThan(IN_FLIGHT, RunStore.TimeColumn.HEARTBEAT_AT, now.minus(config.heartbeatTimeout()))) {
            runService.terminate(r, RunStatus.FAILED, ErrorCategory.INTERNAL,
                    "node lost: " + r.nodeId().orElse("?") + " sent no heartbeat for " + Durations.format(config.heartbeatTimeout()));
            ended.add(r);
        }
        for (Runnable sweep : extraSweeps) sweep.run();
        if (!ended.isEmpty()) LOG.info("reaper ended {} run(s)", ended.size());
        return ended.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
