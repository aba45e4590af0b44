package io.agentbox.server.store;

import io.agentbox.server.model.Page;
import io.agentbox.server.model.Run;
import io.agentbox.server.model.Session;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Sessions, their stored conversation, and the rule that a session runs one turn at a time. */
public interface SessionStore {
    void insert(Session session);

    Optional<Session> find(String id);

    /** Sessions of some workspaces, newest first. */
    Page<Session> list(Set<String> workspaceIds, Optional<Session.Status> status, int limit, Optional<String> cursor);

    /** Why {@link #insertTurn} did not queue the run. */
    enum TurnResult { QUEUED, NOT_ACTIVE, BUSY }

    /**
     * Queues the session's next run atomically: only when the session is active and none of its runs is
     * queued, booting or running. Marks the session active now.
     */
    TurnResult insertTurn(Run run, Instant now);

    /** The stored conversation (the agent's session state as JSON); empty before the first turn ended. */
    Optional<String> conversation(String id);

    /** Saves the conversation and the totals after a turn. */
    void saveConversation(String id, String conversationJson, Optional<String> sandboxId, int turns, String usageJson,
                          String costJson, double costUsd, Instant now);

    /** Records the session's (new) sandbox the moment it exists. */
    void setSandbox(String id, String sandboxId);

    /** {@code active → ended} with the reason; false when it had already ended. */
    boolean end(String id, String reason, Instant now);

    /** Active sessions idle since before {@code before} and without a run in flight. */
    List<Session> idleSince(Instant before);
}
