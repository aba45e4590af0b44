package io.agentbox.server.http;

import io.agentbox.server.auth.OpenStreams;
import io.agentbox.server.metrics.Metrics;
import io.agentbox.server.model.RunEvent;
import io.agentbox.server.runs.EventBus;
import io.agentbox.server.store.EventStore;
import io.agentbox.server.store.RunStore;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * A run's events as Server-Sent Events: replays what is stored after the client's position, then
 * follows live until the run's terminal event. It subscribes before replaying, so nothing published
 * in between is missed, and skips anything at or below the last sequence sent, so nothing is sent
 * twice. Live events of runs on other nodes are found by polling the store.
 */
public final class EventStream {
    private static final int BATCH = 500;
    private static final Duration POLL = Duration.ofSeconds(1);
    private static final ThreadFactory STREAMERS = Thread.ofPlatform().name("event-stream-", 0).daemon().factory();

    private final EventStore events;
    private final RunStore runs;
    private final EventBus bus;
    private final Metrics metrics;
    private final Duration keepAlive;
    private final BooleanSupplier closing;
    private final Clock clock;
    private final OpenStreams streams;

    public EventStream(EventStore events, RunStore runs, EventBus bus, Metrics metrics, Duration keepAlive,
                       BooleanSupplier closing, Clock clock, OpenStreams streams) {
        this.streams = streams;
        this.events = events;
        this.runs = runs;
        this.bus = bus;
        this.metrics = metrics;
        this.keepAlive = keepAlive;
        this.closing = closing;
        this.clock = clock;
    }

    /** A sink for events in order; {@link EventStream#follow} feeds it. */
    @FunctionalInterface
    public interface Sink {
        void send(RunEvent event) throws IOException;

        default void keepAlive() throws IOException {}
    }

    /**
     * Streams over SSE on the request's response. The stream is registered with the caller's key: when
     * that key is revoked, the stream ends (a last comment says why) instead of following on.
     */
    public void sse(Context ctx, String keyId, String runId, long after, boolean follow) throws Exception {
        ctx.res().setStatus(200);
        ctx.res().setContentType("text/event-stream;charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        OutputStream out = ctx.res().getOutputStream();
        out.write(": stream of run ".concat(runId).concat("\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        Sink sink = new Sink() {
            @Override
            public void send(RunEvent e) throws IOException {
                String frame = "id: " + e.seq() + "\nevent: " + e.type() + "\ndata: " + Views.event(e) + "\n\n";
                out.write(frame.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }

            @Override
            public void keepAlive() throws IOException {
                out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        };
        onStreamThread(() -> {
            Thread streamer = Thread.currentThread();
            AtomicBoolean revoked = new AtomicBoolean();
            // Revocation interrupts the delivery loop wherever it waits (for the next event, or a write).
            try (OpenStreams.Registration ignored = streams.open(keyId, () -> {
                revoked.set(true);
                streamer.interrupt();
            })) {
                follow(runId, after, follow, sink);
            } catch (Exception e) {
                if (!revoked.get()) throw e;
            }
            if (revoked.get()) {
                Thread.interrupted();
                try {
                    out.write(": the API key was revoked\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (IOException ignored) {
                    // the client went away meanwhile
                }
            }
        });
    }

    /** Work that {@link #onStreamThread} runs. */
    @FunctionalInterface
    public interface StreamWork {
        void run() throws Exception;
    }

    /**
     * Runs a stream's delivery loop on a platform thread and waits for it. Requests run on virtual
     * threads, which share a carrier per core and are never preempted: under load, a woken stream would
     * wait behind CPU-bound agent work for a carrier. The operating system preempts platform threads, so
     * an event reaches its clients promptly however busy the agents are.
     */
    public static void onStreamThread(StreamWork work) throws Exception {
        Exception[] failure = new Exception[1];
        Thread t = STREAMERS.newThread(() -> {
            try {
                work.run();
            } catch (Exception e) {
                failure[0] = e;
            }
        });
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            t.interrupt();
            t.join();
            throw e;
        }
        if (failure[0] != null) throw failure[0];
    }

    /**
     * Sends every event after {@code after} to the sink; with {@code follow}, keeps going until the terminal
     * event, the server closes or the sink fails (client gone).
     */
    public void follow(String runId, long after, boolean follow, Sink sink) throws Exception {
        LinkedBlockingQueue<RunEvent> live = new LinkedBlockingQueue<>();
        try (AutoCloseable ignored = bus.subscribe(runId, live::offer)) {
            long last = after;
            boolean done = false;
            while (true) {
                List<RunEvent> batch = events.after(runId, last, BATCH);
                for (RunEvent e : batch) {
                    sink.send(e);
                    last = e.seq();
                    done |= e.terminal();
                }
                if (batch.size() < BATCH) break;
            }
            if (done || !follow) return;
            if (runs.find(runId).map(r -> r.status().terminal()).orElse(true)) {
                // Ended between the replay and the check: its terminal event is stored, send what remains.
                for (RunEvent e : events.after(runId, last, Integer.MAX_VALUE)) sink.send(e);
                return;
            }
            long lastWrite = System.nanoTime();
            long lastPoll = System.nanoTime();
            while (!closing.getAsBoolean()) {
                RunEvent e = live.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
                long now = System.nanoTime();
                if (e != null) {
                    if (e.seq() <= last) continue;
                    List<RunEvent> toSend = e.seq() == last + 1 ? List.of(e) : events.after(runId, last, Integer.MAX_VALUE);
                    for (RunEvent s : toSend) {
                        sink.send(s);
                        metrics.eventDelivered(Math.max(0, clock.millis() - s.ts().toEpochMilli()) / 1000.0);
                        last = s.seq();
                        if (s.terminal()) return;
                    }
                    lastWrite = now;
                    continue;
                }
                if (now - lastPoll >= POLL.toNanos() * 2) {
                    lastPoll = now;
                    for (RunEvent s : events.after(runId, last, BATCH)) {
                        sink.send(s);
                        last = s.seq();
                        lastWrite = now;
                        if (s.terminal()) return;
                    }
                }
                if (now - lastWrite >= keepAlive.toNanos()) {
                    sink.keepAlive();
                    lastWrite = now;
                }
            }
        }
    }
}
