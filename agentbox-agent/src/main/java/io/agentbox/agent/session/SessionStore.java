package io.agentbox.agent.session;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Where sessions live between turns and processes. The server provides a database-backed one. */
public interface SessionStore {
    void save(SessionState session);

    Optional<SessionState> load(String id);

    /** The most recently updated session ({@code --continue}). */
    Optional<SessionState> latest();

    /** Sessions, most recently updated first. */
    List<SessionState> list();

    void delete(String id);

    /** JSON files {@code <dir>/<id>.json}. */
    static SessionStore inDirectory(Path dir) {
        return new FileSessionStore(dir);
    }

    /** {@code $AGENTBOX_HOME/sessions} ({@code ~/.agentbox/sessions} by default). */
    static SessionStore defaultStore() {
        return new FileSessionStore(io.agentbox.sandbox.Sandboxes.defaultHome().resolve("sessions"));
    }

    /** Kept in this process only. */
    static SessionStore inMemory() {
        return new MemorySessionStore();
    }
}
