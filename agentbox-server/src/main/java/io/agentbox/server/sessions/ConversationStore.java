package io.agentbox.server.sessions;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.Cost;
import io.agentbox.agent.Usage;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.session.SessionState;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.model.Session;
import io.agentbox.server.store.SessionStore;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The agent's session store, backed by the server's database: the conversation of a session (the real
 * API messages, its sandbox and totals) is saved after every turn and read at the start of the next,
 * on whichever node runs it. Scoped to one workspace.
 */
public final class ConversationStore implements io.agentbox.agent.session.SessionStore {
    private static final int LIST_LIMIT = 100;

    private final SessionStore sessions;
    private final String workspaceId;
    private final Clock clock;

    public ConversationStore(SessionStore sessions, String workspaceId, Clock clock) {
        this.sessions = sessions;
        this.workspaceId = workspaceId;
        this.clock = clock;
    }

    /** Saves the turn's outcome; runs without a session have nothing stored. */
    @Override
    public void save(SessionState state) {
        Optional<Session> s = sessions.find(state.id()).filter(x -> x.workspaceId().equals(workspaceId));
        if (s.isEmpty()) return;
        try {
            sessions.saveConversation(state.id(), Events.mapper().writeValueAsString(state), state.sandboxId(), state.turns(),
                    Events.mapper().writeValueAsString(state.usage()), Events.mapper().writeValueAsString(state.cost()),
                    state.cost().total().doubleValue(), clock.instant());
        } catch (IOException e) {
            throw new AgentboxException(ErrorCategory.INTERNAL, "cannot save session " + state.id() + ": " + e.getMessage(), e);
        }
    }

    /** The stored conversation; a session that never finished a turn starts empty. */
    @Override
    public Optional<SessionState> load(String id) {
        Optional<Session> s = sessions.find(id).filter(x -> x.workspaceId().equals(workspaceId));
        if (s.isEmpty()) return Optional.empty();
        Optional<String> json = sessions.conversation(id);
        if (json.isEmpty()) {
            Session x = s.get();
            return Optional.of(new SessionState(x.id(), x.createdAt(), x.lastActivityAt(), x.model().orElse(""), x.sandboxId(),
                    SandboxSpec.DEFAULT_WORKDIR, List.of(), 0, Usage.ZERO, Cost.ZERO));
        }
        try {
            return Optional.of(Events.mapper().readValue(json.get(), SessionState.class));
        } catch (IOException e) {
            throw new AgentboxException(ErrorCategory.INTERNAL, "session " + id + " has an unreadable conversation: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<SessionState> latest() {
        return list().stream().findFirst();
    }

    @Override
    public List<SessionState> list() {
        return sessions.list(Set.of(workspaceId), Optional.of(Session.Status.ACTIVE), LIST_LIMIT, Optional.empty()).data().stream()
                .flatMap(s -> load(s.id()).stream()).toList();
    }

    @Override
    public void delete(String id) {
        sessions.end(id, "deleted", clock.instant());
    }
}
