package io.agentbox.server.store;

import io.agentbox.server.model.RunEvent;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The event log, written with group commit: appends from all runs queue up for one writer thread,
 * which stores whatever has accumulated in a single transaction and only then releases the callers,
 * so every event is still stored before anyone sends it. Hundreds of runs streaming small events cost
 * a handful of commits (and fsyncs, on PostgreSQL) per second instead of one per event, and nobody
 * queues on the database's write lock behind everybody else.
 */
public final class JdbiEventStore implements EventStore, AutoCloseable {
    static final RowMapper<RunEvent> EVENT = (rs, ctx) -> new RunEvent(
            rs.getString("run_id"), rs.getLong("seq"), Rows.instant(rs, "ts"), rs.getString("type"), rs.getString("data_json"));

    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "canceled");
    /** Appends per transaction at most: bounds the time one commit holds the write lock. */
    private static final int MAX_BATCH = 500;

    private final Database db;
    private final Consumer<RunEvent> stored;
    /** Appends of one run are serialized with its status changes so that MAX(seq)+1 never races within this process. */
    private final ReentrantLock[] stripes = new ReentrantLock[64];
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private boolean closed;

    private record Pending(String runId, String type, String dataJson, Instant ts, CompletableFuture<Optional<RunEvent>> done) {}

    /** Queued by {@link #close()}: everything before it is written, then the writer ends. */
    private static final Pending STOP = new Pending("", "", "", Instant.EPOCH, new CompletableFuture<>());

    /**
     * @param stored told of each appended event right after its commit, on the writer thread (so that
     *               stream clients hear of it without waiting for the appending thread to be scheduled again)
     */
    public JdbiEventStore(Database db, Consumer<RunEvent> stored) {
        this.db = db;
        this.stored = stored;
        for (int i = 0; i < stripes.length; i++) stripes[i] = new ReentrantLock();
        writer = Thread.ofPlatform().daemon().name("agentbox-event-writer").start(this::writeLoop);
    }

    ReentrantLock lockFor(String runId) {
        return stripes[stripe(runId)];
    }

    private int stripe(String runId) {
        return Math.floorMod(runId.hashCode(), stripes.length);
    }

    @Override
    public Optional<RunEvent> append(String runId, String type, String dataJson, Instant now) {
        Pending p = new Pending(runId, type, dataJson, Instant.ofEpochMilli(now.toEpochMilli()), new CompletableFuture<>());
        boolean queued;
        synchronized (queue) {
            queued = !closed && queue.add(p);
        }
        if (!queued) write(List.of(p));
        try {
            return p.done().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only close() ends the writer, after the queue is written
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            stop = batch.remove(STOP);
            if (!batch.isEmpty()) write(batch);
            batch.clear();
        }
    }

    /** Stores a batch in one transaction, announces it, and completes each caller with its event (empty: the run had ended). */
    private void write(List<Pending> batch) {
        // Stripes in index order: transitions take one stripe, so a fixed order cannot deadlock.
        TreeMap<Integer, ReentrantLock> locks = new TreeMap<>();
        for (Pending p : batch) locks.putIfAbsent(stripe(p.runId()), stripes[stripe(p.runId())]);
        locks.values().forEach(ReentrantLock::lock);
        try {
            List<Optional<RunEvent>> results = db.write(h -> {
                Map<String, Long> nextSeq = new HashMap<>();
                List<Optional<RunEvent>> out = new ArrayList<>(batch.size());
                PreparedBatch insert = h.prepareBatch("INSERT INTO run_events (run_id, seq, ts, type, data_json) VALUES (:r, :s, :ts, :t, :d)");
                for (Pending p : batch) {
                    long seq = nextSeq.computeIfAbsent(p.runId(), r -> firstFree(h, r));
                    if (seq < 0) {
                        out.add(Optional.empty());
                        continue;
                    }
                    insert.bind("r", p.runId()).bind("s", seq).bind("ts", p.ts().toEpochMilli()).bind("t", p.type()).bind("d", p.dataJson()).add();
                    nextSeq.put(p.runId(), seq + 1);
                    out.add(Optional.of(new RunEvent(p.runId(), seq, p.ts(), p.type(), p.dataJson())));
                }
                if (insert.size() > 0) insert.execute();
                return out;
            });
            for (int i = 0; i < batch.size(); i++) {
                results.get(i).ifPresent(stored);
                batch.get(i).done().complete(results.get(i));
            }
        } catch (RuntimeException e) {
            batch.forEach(p -> p.done().completeExceptionally(e));
        } finally {
            locks.descendingMap().values().forEach(ReentrantLock::unlock);
        }
    }

    /** The next seq of a run that may still get events; -1 when it has ended (its terminal event is its last) or does not exist. */
    private static long firstFree(Handle h, String runId) {
        Optional<String> status = h.createQuery("SELECT status FROM runs WHERE id = :r").bind("r", runId).mapTo(String.class).findOne();
        if (status.isEmpty() || TERMINAL.contains(status.get())) return -1;
        return nextSeq(h, runId);
    }

    private static long nextSeq(Handle h, String runId) {
        return h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM run_events WHERE run_id = :r").bind("r", runId).mapTo(Long.class).one() + 1;
    }

    /** Appends inside the caller's transaction; the caller holds {@link #lockFor(String)}. */
    static RunEvent append(Handle h, String runId, String type, String dataJson, Instant now) {
        long seq = nextSeq(h, runId);
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

    /** Writes what is queued, then stops the writer; later appends are written by their callers. */
    @Override
    public void close() {
        synchronized (queue) {
            if (closed) return;
            closed = true;
            queue.add(STOP);
        }
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
