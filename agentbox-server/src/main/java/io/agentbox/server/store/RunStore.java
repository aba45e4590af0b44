package io.agentbox.server.store;

import io.agentbox.server.model.Page;
import io.agentbox.server.model.Run;
import io.agentbox.server.model.RunEvent;
import io.agentbox.agent.RunStatus;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Runs. Their status changes only through {@link #transition}, which {@code RunStateMachine} drives. */
public interface RunStore {

    /** An event to append in the same transaction as a status change. */
    record EventDraft(String type, String dataJson) {}

    /** Whether a compare-and-set status change applied, and the event it appended. */
    record Transition(boolean applied, Optional<RunEvent> event) {
        static final Transition STALE = new Transition(false, Optional.empty());
    }

    void insert(Run run);

    Optional<Run> find(String id);

    Page<Run> list(RunQuery query);

    /**
     * Compare-and-set: moves the run from {@code from} to {@code to} and writes the update and the event
     * atomically; not applied when the run was no longer in {@code from}.
     */
    Transition transition(String id, RunStatus from, RunStatus to, RunUpdate update,
                                            Optional<EventDraft> event, Instant now);

    /**
     * The scheduler's claim: {@code queued → booting} like {@link #transition}, applied only while the
     * workspace has fewer than {@code quota} runs in flight over all nodes. Counting and claiming are
     * one step, so two nodes cannot both take the last slot.
     */
    Transition claim(String id, String workspaceId, int quota, RunUpdate update, Instant now);

    /** Marks the node itself alive (its row in {@code nodes}). */
    void nodeHeartbeat(String nodeId, Instant startedAt, Instant now);

    /** Nodes whose heartbeat is newer than {@code since}. */
    java.util.Set<String> liveNodes(Instant since);

    /** The node that ran the session's latest run that reached a node. */
    Optional<String> lastNodeOfSession(String sessionId);

    /** Records the sandbox serving the run as soon as it exists, so nothing can be orphaned. */
    void setSandbox(String id, String sandboxId);

    void requestCancel(String id, Instant now);

    /** Marks this node's in-flight runs alive. */
    void heartbeat(String nodeId, Instant now);

    /** Runs in {@code booting} or {@code running} on a node. */
    List<Run> inFlight(String nodeId);

    /** Queued runs, oldest first. */
    List<Run> queued(int limit);

    /** Workspace id → runs in {@code booting} or {@code running}, over all nodes. */
    Map<String, Integer> activeByWorkspace();

    /** Runs in {@code statuses} whose {@code column} (a time column) is older than {@code before}. */
    List<Run> olderThan(Collection<RunStatus> statuses, TimeColumn column, Instant before);

    /** In-flight runs whose cancellation was requested (possibly through another node). */
    List<Run> cancelRequested(String nodeId);

    /** Run counts by status over all workspaces. */
    Map<RunStatus, Long> countByStatus();

    /** The cost of the workspace's runs created since {@code since}. */
    double spentSince(String workspaceId, Instant since);

    enum TimeColumn {
        STARTED_AT("started_at"), HEARTBEAT_AT("heartbeat_at"), DEADLINE_AT("deadline_at");

        final String column;

        TimeColumn(String column) {
            this.column = column;
        }
    }
}
