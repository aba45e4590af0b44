package io.agentbox.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The cancel signal of one run. Whatever blocks (a model stream, a sandbox command) registers how
 * to abort itself, so that a cancel takes effect at once instead of at the next check.
 */
public final class Cancellation {
    /** Undoes a registration; never throws. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    private final List<Runnable> actions = new ArrayList<>();
    private String reason;

    /** Cancels (first reason wins) and runs every registered action once. */
    public void cancel(String why) {
        List<Runnable> toRun;
        synchronized (this) {
            if (reason != null) return;
            reason = why;
            toRun = List.copyOf(actions);
            actions.clear();
        }
        for (Runnable r : toRun) {
            try {
                r.run();
            } catch (RuntimeException ignored) {
                // one failing abort must not keep the others from running
            }
        }
    }

    public synchronized boolean isCanceled() {
        return reason != null;
    }

    public synchronized Optional<String> reason() {
        return Optional.ofNullable(reason);
    }

    /** Runs {@code action} on cancel, or at once if already canceled. */
    public Registration onCancel(Runnable action) {
        synchronized (this) {
            if (reason == null) {
                actions.add(action);
                return () -> {
                    synchronized (Cancellation.this) {
                        actions.remove(action);
                    }
                };
            }
        }
        action.run();
        return () -> {};
    }
}
