package io.agentbox.server.store;

import io.agentbox.server.model.RunEvent;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

public final class JdbiEventStore implements EventStore {
    static final RowMapper<RunEvent> EVENT = (rs, ctx) -> new RunEvent(
            rs.getString("run_id"), rs.getLong("seq"), Rows.instant(rs, "ts"), rs.getString("type"), rs.getString("data_json"));

    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "canceled");

    private final Database db;
    /** Appends of one run are serialized so that MAX(seq)+1 never races within this process. */
    private final ReentrantLock[] stripes = new ReentrantLock[64];

    public JdbiEventStore(Database db) {
        this.db = db;
        for (int i = 0; i < stripes.length; i++) stripes[i] = new ReentrantLock();
    }

    ReentrantLock lockFor(String runId) {
        return stripes[Math.floorMod(runId.hashCode(), stripes.length)];
    }

    @Override
    public Optional<RunEvent> append(String runId, String type, String dataJson, Instant now) {
        ReentrantLock lock = lockFor(runId);
        lock.lock();
        try {
            return db.write(h -> {
                Optional<String> status = h.createQuery("SELECT status FROM runs WHERE id = :r").bind("r", runId)
                        .mapTo(String.class).findOne();
                if (status.isEmpty() || TERMINAL.contains(status.get())) return Optional.<RunEvent>empty();
                return Optional.of(append(h, runId, type, dataJson, now));
            });
        } finally {
            lock.unlock();
        }
    }

    /** Appends inside the caller's transaction; the caller holds {@link #lockFor(String)}. */
    static RunEvent append(Handle h, String runId, String type, String dataJson, Instant now) {
        long seq = h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM run_events WHERE run_id = :r")
                .bind("r", runId).mapTo(Long.class).one() + 1;
        h.createUpdate("INSERT INTO run_events (run_id, seq, ts, type, data_json) VALUES (:r, :s, :ts, :t, :d)")
                .bind("r", runId).bind("s", seq).bind("ts", now.toEpochMilli()).bind("t", type).bind("d", dataJson)
                .execute();
        return new RunEvent(runId, seq, Instant.ofEpochMilli(now.toEpochMilli()), type, dataJson);
    }

    @Override
    public List<RunEvent> after(String runId, long afterSeq, int limit) {
        return db.read(h -> h.createQuery(
                        "SELECT * FROM run_events WHERE run_id = :r AND seq > :s ORDER BY seq LIMIT :l")
                .bind("r", runId).bind("s", afterSeq).bind("l", limit).map(EVENT).list());
    }

    @Override
    public long lastSeq(String runId) {
        return db.read(h -> h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM run_events WHERE run_id = :r")
                .bind("r", runId).mapTo(Long.class).one());
    }
}
