package io.agentbox.sandbox.net;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Closes a connection after it has been idle for a while (UDP has no end of its own). */
final class Idle {
    private final Conn c;
    private final long limitMs;
    private volatile long last = System.currentTimeMillis();
    private final ScheduledFuture<?> task;

    Idle(ScheduledExecutorService timer, Conn c, long limitMs) {
        this.c = c;
        this.limitMs = limitMs;
        this.task = timer.scheduleWithFixedDelay(() -> {
            if (System.currentTimeMillis() - last > this.limitMs) c.close();
        }, 5, 5, TimeUnit.SECONDS);
    }

    void touch() {
        last = System.currentTimeMillis();
    }

    void cancel() {
        task.cancel(false);
        c.close();
    }
}
