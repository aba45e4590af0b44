package io.agentbox.server.store;

import io.agentbox.server.model.RunEvent;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The event log. Appends join the database's group commit ({@link Database#writeGrouped}): hundreds of
 * runs streaming small events cost a handful of commits per second instead of one each, and each
 * event is announced from the writer thread the moment it is committed, so it is stored before anyone
 * sends it and reaches stream clients without waiting for the appending thread to run again.
 */
public final class JdbiEventStore implements EventStore {
    static final RowMapper<RunEvent> EVENT = (rs, ctx) -> new RunEvent(
            rs.getString("run_id"), rs.getLong("seq"), Rows.instant(rs, "ts"), rs.getString("type"), rs.getString("data_json"));

    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "canceled");
    private static final String INSERT = "INSERT INTO run_events (run_id, seq, ts, type, data_json) VALUES (:r, :s, :ts, :t, :d)";

    private final Database db;
    private final Consumer<RunEvent> stored;

    /** @param stored told of each appended event right after its commit, on the writer thread */
    public JdbiEventStore(Database db, Consumer<RunEvent> stored) {
        this.db = db;
        this.stored = stored;
    }

    /**
     * The next seq of runs this node appends to, as of the last commit, so that an append costs no
     * lookups. It can only be stale when someone else wrote an event of the run meanwhile: a status
     * change, which always writes an event, takes exactly the seq remembered here, the insert fails on
     * the primary key, and the append runs again ({@link Database#RETRY}) with a fresh lookup.
     */
    private final Map<String, Long> nextSeq = new ConcurrentHashMap<>();

    @Override
    public Optional<RunEvent> append(String runId, String type, String dataJson, Instant now) {
        Instant ts = Instant.ofEpochMilli(now.toEpochMilli());
        return db.writeGrouped((h, shared) -> {
            String key = "next-seq:" + runId;
            long seq = (Long) shared.computeIfAbsent(key, k -> {
                Long known = shared.containsKey(Database.RETRY) ? null : nextSeq.get(runId);
                return known != null ? known : firstFree(h, runId);
            });
            if (seq < 0) return Optional.<RunEvent>empty();
            ((Inserts) shared.computeIfAbsent("event-inserts", k -> new Inserts(h.prepareBatch(INSERT))))
                    .add(runId, seq, ts, type, dataJson);
            shared.put(key, seq + 1);
            return Optional.of(new RunEvent(runId, seq, ts, type, dataJson));
        }, appended -> {
            appended.ifPresent(e -> nextSeq.put(runId, e.seq() + 1));
            if (appended.isEmpty()) nextSeq.remove(runId);
            appended.ifPresent(stored);
        });
    }

    /** Forgets what it remembers of a run that has ended. */
    public void forget(String runId) {
        nextSeq.remove(runId);
    }

    /** The next seq of a run that may still get events; -1 when it has ended (its terminal event is its last) or does not exist. */
    private static long firstFree(Handle h, String runId) {
        return h.createQuery("SELECT r.status, (SELECT COALESCE(MAX(seq), 0) FROM run_events WHERE run_id = r.id) AS last FROM runs r WHERE r.id = :r")
                .bind("r", runId)
                .map((rs, ctx) -> TERMINAL.contains(rs.getString("status")) ? -1L : rs.getLong("last") + 1)
                .findOne().orElse(-1L);
    }

    private static long nextSeq(Handle h, String runId) {
        return h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM run_events WHERE run_id = :r").bind("r", runId).mapTo(Long.class).one() + 1;
    }

    /** The events of one group, inserted in one batch just before its commit (one round trip on PostgreSQL, not one per event). */
    private record Inserts(PreparedBatch batch) implements Database.BeforeCommit {
        void add(String runId, long seq, Instant ts, String type, String dataJson) {
            batch.bind("r", runId).bind("s", seq).bind("ts", ts.toEpochMilli()).bind("t", type).bind("d", dataJson).add();
        }

        @Override
        public void run() {
            if (batch.size() > 0) batch.execute();
        }
    }

    private static void insert(Handle h, String runId, long seq, Instant ts, String type, String dataJson) {
        h.createUpdate(INSERT).bind("r", runId).bind("s", seq).bind("ts", ts.toEpochMilli()).bind("t", type).bind("d", dataJson)
                .execute();
    }

    /** Appends inside the caller's transaction, which is a {@link Database#writeOrdered} of the run. */
    static RunEvent append(Handle h, String runId, String type, String dataJson, Instant now) {
        Instant ts = Instant.ofEpochMilli(now.toEpochMilli());
        long seq = nextSeq(h, runId);
        insert(h, runId, seq, ts, type, dataJson);
        return new RunEvent(runId, seq, ts, type, dataJson);
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
