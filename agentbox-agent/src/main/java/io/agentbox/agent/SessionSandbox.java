package io.agentbox.agent;

import io.agentbox.ConfigException;
import io.agentbox.agent.event.EventData;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxNotFoundException;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxSpec;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The one owner of a session's sandbox, wherever the session runs (library, CLI, server): it creates the
 * sandbox, reconnects to it from another process, recreates it (and says so with {@code sandbox.recreated})
 * when it has ended, keeps its deadline ahead while a run is active, and kills it. The options'
 * {@link SandboxListener} hears of each step. A sandbox given with {@code useSandbox} is borrowed: used as
 * it is, never renewed, recreated or killed.
 */
final class SessionSandbox {
    private final AgentOptions options;
    private final boolean owned;
    private Sandbox sandbox;
    private Optional<String> id;
    /** Created (or recreated) and not yet used by a run: that run's {@code sandbox.ready} says not reused. */
    private boolean fresh;
    /** Found ended outside a run (before the first turn); the next run's events say so. */
    private Optional<EventData.SandboxRecreated> recreated = Optional.empty();
    private Optional<String> killed = Optional.empty();
    private Thread lease;

    SessionSandbox(AgentOptions options, Optional<String> id) {
        this.options = options;
        this.owned = options.sandbox().isEmpty();
        this.id = options.sandbox().map(Sandbox::id).or(() -> id);
    }

    synchronized Optional<String> id() {
        return id;
    }

    /** The sandbox, reconnected or created now when needed; no run is needed (the CLI uploads before the first turn). */
    synchronized Sandbox get() {
        if (!owned) {
            sandbox = options.sandbox().orElseThrow();
            return sandbox;
        }
        Optional<String> lost = Optional.empty();
        if (sandbox == null && id.isPresent()) {
            try {
                sandbox = provider().connect(id.get());
                fresh = false;
            } catch (SandboxNotFoundException e) {
                lost = id;
            }
        }
        if (sandbox != null) {
            try {
                sandbox.info();
            } catch (SandboxNotFoundException e) {
                lost = Optional.of(sandbox.id());
                sandbox = null;
            }
        }
        if (sandbox == null) create(lost);
        return sandbox;
    }

    private void create(Optional<String> lost) {
        Sandbox s = provider().create(options.runtime().sandboxSpec(options.sandboxSpec(), options.modelClient()));
        try {
            options.sandboxListener().created(s, lost);
        } catch (RuntimeException e) {
            quietly(s::kill);
            throw e;
        }
        sandbox = s;
        id = Optional.of(s.id());
        fresh = true;
        lost.ifPresent(old -> recreated = Optional.of(new EventData.SandboxRecreated(old, s.id(),
                "the previous sandbox had ended (expired or killed); files from earlier turns are gone")));
    }

    /** The sandbox for a run, with its events ({@code sandbox.recreated}, {@code sandbox.ready}); its deadline is pushed out. */
    synchronized Sandbox acquire(Consumer<EventData> events, boolean hadTurns) {
        Sandbox s = get();
        options.sandboxListener().acquired(s);
        recreated.ifPresent(events);
        recreated = Optional.empty();
        boolean reused = owned ? !fresh : hadTurns;
        fresh = false;
        String template = owned ? options.sandboxSpec().template() : s.info().template();
        events.accept(new EventData.SandboxReady(s.id(), template, s.info().workdir(), reused));
        if (owned) renew(s);
        return s;
    }

    /** Whether the session would kill its sandbox on close: it owns one and was not told to keep it. */
    boolean endsOnClose() {
        return owned && !options.keepSandbox();
    }

    private void renew(Sandbox s) {
        Optional<Duration> leaseFor = options.sandboxLease();
        if (leaseFor.isEmpty()) {
            s.setTimeout(keptFor());
            return;
        }
        s.setTimeout(leaseFor.get());
        if (lease != null) return;
        Duration every = leaseFor.get().dividedBy(5);
        lease = Thread.ofVirtual().name("agentbox-lease-" + s.id()).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(every);
                    s.setTimeout(leaseFor.get());
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    return; // the sandbox ended: the run learns it from its tools
                }
            }
        });
    }

    /** The run is over: an owned sandbox on a lease now waits {@link #keptFor} for the next turn. */
    synchronized void release() {
        boolean leased = stopLease();
        if (leased && sandbox != null) quietly(() -> sandbox.setTimeout(keptFor()));
    }

    /** Kills the sandbox the session owns (quiet when it is already gone); a borrowed one is left alone. */
    void end() {
        Sandbox s;
        String gone;
        synchronized (this) {
            stopLease();
            if (!owned) {
                sandbox = null;
                return;
            }
            if (id.isEmpty() || id.equals(killed)) return;
            s = sandbox;
            gone = id.get();
            killed = id;
            sandbox = null;
        }
        quietly(() -> {
            if (s != null) s.kill();
            else provider().kill(gone);
        });
        options.sandboxListener().ended(gone);
    }

    private boolean stopLease() {
        if (lease == null) return false;
        lease.interrupt();
        lease = null;
        return true;
    }

    private Duration keptFor() {
        SandboxSpec spec = options.sandboxSpec();
        return spec.idleTimeout().orElse(spec.timeout());
    }

    private SandboxProvider provider() {
        return options.sandboxProvider().orElseThrow(() -> new ConfigException("no sandbox provider configured"));
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (SandboxNotFoundException e) {
            // already gone: nothing to renew or kill
        }
    }
}
