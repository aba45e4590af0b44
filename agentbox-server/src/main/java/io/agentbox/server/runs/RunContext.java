package io.agentbox.server.runs;

import io.agentbox.ErrorCategory;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.Events;
import io.agentbox.server.model.Run;
import io.agentbox.agent.RunStatus;
import io.agentbox.server.store.EventStore;
import io.agentbox.server.store.RunStore;
import io.agentbox.server.store.RunUpdate;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What an executor may do to the run it carries out: record its sandbox, emit events (stored before they
 * are sent), move it to {@code running}, end it, and learn about cancellation. Status changes go through
 * the {@link RunStateMachine}; calls after the run ended are ignored.
 */
public final class RunContext {
    private final Run run;
    private final RunStateMachine stateMachine;
    private final EventStore events;
    private final Clock clock;
    private final Consumer<String> sandboxRecorder;
    private final RunEnding ending;
    private final Instant claimedAt;
    private final List<Consumer<String>> cancelHooks = new CopyOnWriteArrayList<>();
    private volatile RunStatus status = RunStatus.BOOTING;
    private volatile String cancelReason;
    private volatile String sandboxId;
    /** Set when a transition found the run already ended by someone else (cancel, reaper, shutdown). */
    private volatile boolean endedElsewhere;

    RunContext(Run run, RunStateMachine stateMachine, EventStore events, Clock clock,
               Consumer<String> sandboxRecorder, RunEnding ending) {
        this.run = run;
        this.ending = ending;
        this.claimedAt = clock.instant();
        this.stateMachine = stateMachine;
        this.events = events;
        this.clock = clock;
        this.sandboxRecorder = sandboxRecorder;
    }

    public Run run() {
        return run;
    }

    public String runId() {
        return run.id();
    }

    public RunStatus status() {
        return status;
    }

    public Optional<String> sandboxId() {
        return Optional.ofNullable(sandboxId);
    }

    /** Records the run's sandbox in the database the moment it exists, before anything else happens in it. */
    public void sandboxCreated(String id) {
        sandboxId = id;
        sandboxRecorder.accept(id);
    }

    /** Stores, then publishes a non-terminal event of the typed schema; false when the run has already ended. */
    public boolean emit(EventData data) {
        if (data.isTerminal()) throw new IllegalArgumentException(data.type() + " ends a run: use end");
        try {
            return emitJson(data.type(), Events.mapper().writeValueAsString(data));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stores, then publishes a non-terminal event whose data is already JSON text; false when the run has already ended. */
    public boolean emitJson(String type, String dataJson) {
        if (ended()) return false;
        return events.append(run.id(), type, dataJson, clock.instant()).isPresent();
    }

    /** {@code booting → running}. */
    public boolean markRunning() {
        if (status != RunStatus.BOOTING) return false;
        boolean ok = stateMachine.transition(run.id(), RunStatus.BOOTING, RunStatus.RUNNING, RunUpdate.NONE, Optional.empty());
        if (ok) status = RunStatus.RUNNING;
        else endedElsewhere = true;
        return ok;
    }

    /** Ends the run with its terminal event (data as JSON text); false when it had already ended (e.g. canceled meanwhile). */
    public boolean endJson(RunStatus to, String eventType, String dataJson, RunUpdate.Builder update) {
        if (!to.terminal()) throw new IllegalArgumentException(to + " is not terminal");
        RunStatus from = status;
        if (ended()) return false;
        Instant now = clock.instant();
        RunUpdate u = update.finishedAt(now).build();
        boolean ok = stateMachine.transition(run.id(), from, to, u, Optional.of(new RunStore.EventDraft(eventType, dataJson)));
        if (ok) status = to;
        else endedElsewhere = true;
        return ok;
    }

    public boolean fail(ErrorCategory category, String message) {
        Instant now = clock.instant();
        RunEnding.Ending e = ending.failed(run, run.startedAt().orElse(claimedAt), now, category, message);
        return endJson(RunStatus.FAILED, e.event().type(), e.event().dataJson(), e.update());
    }

    public boolean cancel(String reason) {
        Instant now = clock.instant();
        RunEnding.Ending e = ending.canceled(run, run.startedAt().orElse(claimedAt), now, reason);
        return endJson(RunStatus.CANCELED, e.event().type(), e.event().dataJson(), e.update());
    }

    /** Runs {@code hook} with the reason when the run is canceled (at once, if it already was). */
    public void onCancel(Consumer<String> hook) {
        cancelHooks.add(hook);
        String reason = cancelReason;
        if (reason != null) hook.accept(reason);
    }

    public Optional<String> cancelReason() {
        return Optional.ofNullable(cancelReason);
    }

    /** Asks the executor to stop; its hooks kill the model stream and the sandbox. */
    void requestCancel(String reason) {
        if (cancelReason != null) return;
        cancelReason = reason;
        for (Consumer<String> hook : cancelHooks) {
            try {
                hook.accept(reason);
            } catch (RuntimeException ignored) {
                // A failing hook must not stop the others; the run is ended by the caller regardless.
            }
        }
    }

    public boolean ended() {
        return endedElsewhere || status.terminal();
    }
}
