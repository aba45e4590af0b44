package io.agentbox.agent.session;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

final class MemorySessionStore implements SessionStore {
    private final Map<String, SessionState> sessions = new ConcurrentHashMap<>();

    @Override
    public void save(SessionState session) {
        sessions.put(session.id(), session);
    }

    @Override
    public Optional<SessionState> load(String id) {
        return Optional.ofNullable(sessions.get(id));
    }

    @Override
    public Optional<SessionState> latest() {
        return list().stream().findFirst();
    }

    @Override
    public List<SessionState> list() {
        return sessions.values().stream().sorted(Comparator.comparing(SessionState::updatedAt).reversed()).toList();
    }

    @Override
    public void delete(String id) {
        sessions.remove(id);
    }
}
