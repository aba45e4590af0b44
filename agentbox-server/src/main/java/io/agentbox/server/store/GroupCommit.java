package io.agentbox.server.store;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * One platform thread that runs write transactions for many callers, with group commit: whatever has
 * queued up while the previous transaction ran goes into the next one. The callers wait for the commit
 * (so what they wrote is durable before they go on), and each write's after-commit action runs on this
 * thread right after the commit, before the callers are even scheduled again.
 *
 * <p>When one write of a group fails, the group is rolled back and its writes are run again one per
 * transaction, so that only the faulty one fails. Writes are therefore pure database work: no effects
 * outside the transaction except through their after-commit action.
 */
final class GroupCommit implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);
    /** Writes per transaction at most: bounds how long one commit keeps the others waiting. */
    private static final int MAX_GROUP = 500;

    private final Jdbi jdbi;
    private final LinkedBlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private boolean closed;

    private record Task<R>(Database.GroupedWrite<R> work, Consumer<R> afterCommit, CompletableFuture<R> done) {}

    /** Queued by {@link #close()}: everything before it is written, then the thread ends. */
    private static final Task<Void> STOP = new Task<>((h, shared) -> null, r -> { }, new CompletableFuture<>());

    GroupCommit(Jdbi jdbi, String name) {
        this.jdbi = jdbi;
        this.thread = Thread.ofPlatform().daemon().name(name).start(this::loop);
    }

    boolean isWriterThread() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code work} in the next group and waits for its commit; after {@code close()}, on the calling thread. */
    <R> R write(Database.GroupedWrite<R> work, Consumer<R> afterCommit) {
        Task<R> task = new Task<>(work, afterCommit, new CompletableFuture<>());
        boolean queued;
        synchronized (queue) {
            queued = !closed && queue.add(task);
        }
        if (!queued) run(List.of(task));
        try {
            return task.done().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
    }

    private void loop() {
        List<Task<?>> group = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                group.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only close() ends the writer, after the queue is written
            }
            queue.drainTo(group, MAX_GROUP - 1);
            stop = group.remove(STOP);
            if (!group.isEmpty()) run(group);
            group.clear();
        }
    }

    private void run(List<Task<?>> group) {
        run(group, false);
    }

    /** @param retry the group these writes came in failed; each now runs alone, told so through {@link Database#RETRY} */
    private void run(List<Task<?>> group, boolean retry) {
        List<Object> results;
        try {
            results = jdbi.inTransaction(h -> {
                Map<String, Object> shared = new HashMap<>();
                if (retry) shared.put(Database.RETRY, Boolean.TRUE);
                List<Object> out = new ArrayList<>(group.size());
                for (Task<?> t : group) out.add(t.work().apply(h, shared));
                for (Object v : shared.values()) {
                    if (v instanceof Database.BeforeCommit b) b.run();
                }
                return out;
            });
        } catch (RuntimeException | Error e) {
            if (group.size() == 1) {
                group.getFirst().done().completeExceptionally(e);
            } else {
                for (Task<?> t : group) run(List.of(t), true);
            }
            return;
        }
        for (int i = 0; i < group.size(); i++) complete(group.get(i), results.get(i));
    }

    @SuppressWarnings("unchecked")
    private static <R> void complete(Task<R> task, Object result) {
        R r = (R) result;
        try {
            task.afterCommit().accept(r);
        } catch (RuntimeException e) {
            LOG.error("after-commit action failed", e);
        } finally {
            task.done().complete(r);
        }
    }

    /** Writes what is queued, then stops the thread. */
    @Override
    public void close() {
        synchronized (queue) {
            if (closed) return;
            closed = true;
            queue.add(STOP);
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
