package io.agentbox.server.runs;

import io.agentbox.agent.RunStatus;
import io.agentbox.server.store.RunStore;
import io.agentbox.server.store.RunUpdate;

import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

import static io.agentbox.agent.RunStatus.BOOTING;
import static io.agentbox.agent.RunStatus.CANCELED;
import static io.agentbox.agent.RunStatus.FAILED;
import static io.agentbox.agent.RunStatus.QUEUED;
import static io.agentbox.agent.RunStatus.RUNNING;
import static io.agentbox.agent.RunStatus.SUCCEEDED;

/**
 * The one place a run's status changes: {@code queued → booting → running → succeeded | failed |
 * canceled} (a queued run may also be canceled, or fail before it boots). Each transition is validated,
 * persisted together with its event in one transaction (compare-and-set on the previous status, so two
 * actors never both win), and only then announced.
 */
public final class RunStateMachine {
    private static final Map<RunStatus, Set<RunStatus>> ALLOWED = Map.of(
            QUEUED, EnumSet.of(BOOTING, FAILED, CANCELED),
            BOOTING, EnumSet.of(RUNNING, FAILED, CANCELED),
            RUNNING, EnumSet.of(SUCCEEDED, FAILED, CANCELED),
            SUCCEEDED, EnumSet.noneOf(RunStatus.class),
            FAILED, EnumSet.noneOf(RunStatus.class),
            CANCELED, EnumSet.noneOf(RunStatus.class));

    private final RunStore runs;
    private final EventBus bus;
    private final Clock clock;
    private final List<BiConsumer<String, RunStatus>> listeners = new CopyOnWriteArrayList<>();

    public RunStateMachine(RunStore runs, EventBus bus, Clock clock) {
        this.runs = runs;
        this.bus = bus;
        this.clock = clock;
    }

    public static boolean allowed(RunStatus from, RunStatus to) {
        return ALLOWED.get(from).contains(to);
    }

    /** Called with (run id, new status) after each applied transition. */
    public void onTransition(BiConsumer<String, RunStatus> listener) {
        listeners.add(listener);
    }

    /**
     * Moves the run from {@code from} to {@code to}. False when the run was no longer in {@code from}
     * (another actor moved it first); nothing is written or announced then.
     *
     * @throws IllegalTransitionException when the state machine does not allow the move
     */
    public boolean transition(String runId, RunStatus from, RunStatus to, RunUpdate update, Optional<RunStore.EventDraft> event) {
        if (!allowed(from, to)) throw new IllegalTransitionException(from, to);
        return announce(runId, to, runs.transition(runId, from, to, update, event, clock.instant()));
    }

    /** {@code queued → booting} while the workspace is under {@code quota} runs in flight over every node. */
    public boolean claim(String runId, String workspaceId, int quota, RunUpdate update) {
        return announce(runId, RunStatus.BOOTING, runs.claim(runId, workspaceId, quota, update, clock.instant()));
    }

    private boolean announce(String runId, RunStatus to, RunStore.Transition t) {
        if (!t.applied()) return false;
        t.event().ifPresent(bus::publish);
        for (BiConsumer<String, RunStatus> l : listeners) l.accept(runId, to);
        return true;
    }
}
