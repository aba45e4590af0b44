package io.agentbox.sandbox.local;

import io.agentbox.sandbox.Pool;
import io.agentbox.sandbox.PooledSandboxProvider;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.template.TemplateInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Warm pools in front of a {@link LocalSandboxProvider}. A pooled sandbox is used once: it is made
 * from the pool's shape with the default limits, waits invisible (its state names this process as
 * owner), and at hand-out gets the caller's limits, workdir, env, labels and a deadline counted from
 * then; it never goes back into a pool. One background thread refills, one sandbox at a time, so a
 * refill never competes with more than one of the host's own creations.
 */
final class LocalSandboxPool implements PooledSandboxProvider {
    /**
     * A pooled sandbox's own deadline is its idle timeout plus this: should this process die without
     * closing the pool, its supervisors end the sandboxes anyway (and the next pool on this data
     * directory kills them at once).
     */
    static final Duration BACKSTOP = Duration.ofSeconds(30);
    private static final long MAX_BACKOFF_MS = 30_000;

    private final LocalSandboxProvider provider;
    private final List<Slot> slots;
    private final String owner;
    private final Object wake = new Object();
    private final Thread refiller;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private record Entry(LocalSandbox sandbox, String templateHash, long madeAt) {}

    private static final class Slot {
        final Pool pool;
        final ConcurrentLinkedDeque<Entry> ready = new ConcurrentLinkedDeque<>();
        final AtomicLong hits = new AtomicLong();
        final AtomicLong misses = new AtomicLong();
        volatile long lastAsked = System.nanoTime();
        volatile Optional<String> lastError = Optional.empty();
        long retryAt;
        long backoffMs;

        Slot(Pool pool) {
            this.pool = pool;
        }

        boolean wanted(long now) {
            return now - lastAsked < pool.idleTimeout().toNanos() && ready.size() < pool.size();
        }
    }

    LocalSandboxPool(LocalSandboxProvider provider, List<Pool> pools) {
        if (pools.isEmpty()) throw new IllegalArgumentException("withPool needs at least one pool");
        List<Slot> s = new ArrayList<>();
        for (Pool p : pools) {
            for (Slot o : s) {
                if (o.pool.template().equals(p.template()) && o.pool.network().equals(p.network()) && o.pool.diskMb() == p.diskMb()) {
                    throw new IllegalArgumentException("two pools have the same shape (template " + p.template() + ")");
                }
            }
            s.add(new Slot(p));
        }
        this.provider = provider;
        this.slots = List.copyOf(s);
        this.owner = ownerTag(ProcessHandle.current());
        sweepOrphans();
        this.refiller = Thread.ofPlatform().daemon().name("agentbox-pool-refill").start(this::refillLoop);
        this.shutdownHook = new Thread(this::drain, "agentbox-pool-drain");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    @Override
    public Sandbox create(SandboxSpec spec) {
        if (!closed) {
            for (Slot s : slots) {
                if (!s.pool.serves(spec)) continue;
                s.lastAsked = System.nanoTime();
                Optional<Sandbox> taken = take(s, spec);
                wake();
                if (taken.isPresent()) {
                    s.hits.incrementAndGet();
                    return taken.get();
                }
                s.misses.incrementAndGet();
                break;
            }
        }
        return provider.create(spec);
    }

    private Optional<Sandbox> take(Slot s, SandboxSpec spec) {
        for (Entry e = s.ready.pollFirst(); e != null; e = s.ready.pollFirst()) {
            if (expired(s, e, System.nanoTime()) || !templateUnchanged(e)) {
                e.sandbox().kill();
                continue;
            }
            try {
                return Optional.of(handOut(e.sandbox(), spec));
            } catch (RuntimeException | IOException ex) {
                e.sandbox().kill(); // it died while waiting (or its limits could not be set): never hand out a doubt
            }
        }
        return Optional.empty();
    }

    private Sandbox handOut(LocalSandbox pooled, SandboxSpec spec) throws IOException {
        SandboxState was = pooled.state();
        Cgroups cgroups = provider.cgroups();
        if (!spec.resources().equals(was.resources())) {
            for (Cgroups.Setting set : cgroups.settings(pooled.id(), spec.resources())) {
                if (!set.file().getFileName().toString().equals("cgroup.subtree_control")) Files.writeString(set.file(), set.value());
            }
        }
        if (!spec.workdir().equals(SandboxSpec.DEFAULT_WORKDIR)) pooled.files().mkdir(spec.workdir());
        Instant now = Instant.now();
        SandboxState mine = new SandboxState(was.id(), spec.template(), now, now.plus(spec.timeout()), spec.metadata(),
                LocalSandboxProvider.specEnv(spec), was.templateEnv(), spec.resources(), spec.network().name(), spec.workdir(), Optional.empty());
        return pooled.handOut(mine, spec.timeout(), cgroups);
    }

    /** A template rebuilt since the sandbox was made: the sandbox shows the old one, so it is not handed out. */
    private boolean templateUnchanged(Entry e) {
        return provider.template(e.sandbox().state().template()).map(TemplateInfo::hash).filter(e.templateHash()::equals).isPresent();
    }

    private static boolean expired(Slot s, Entry e, long now) {
        return now - e.madeAt() >= s.pool.idleTimeout().toNanos();
    }

    private void refillLoop() {
        while (!closed) {
            long now = System.nanoTime();
            boolean made = false;
            long next = now + TimeUnit.SECONDS.toNanos(1);
            for (Slot s : slots) {
                for (Entry e : s.ready) {
                    if (expired(s, e, now) && s.ready.remove(e)) e.sandbox().kill();
                    else next = Math.min(next, e.madeAt() + s.pool.idleTimeout().toNanos());
                }
                if (closed) return;
                if (s.wanted(now)) {
                    if (now >= s.retryAt) made |= fillOne(s);
                    else next = Math.min(next, s.retryAt);
                }
            }
            if (!made) {
                synchronized (wake) {
                    long waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime()));
                    if (!closed) {
                        try {
                            wake.wait(waitMs);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }
        }
    }

    private boolean fillOne(Slot s) {
        Pool p = s.pool;
        try {
            Optional<TemplateInfo> template = provider.template(p.template());
            if (template.isEmpty()) throw new IllegalStateException("unknown template '" + p.template() + "'");
            SandboxSpec spec = SandboxSpec.builder().template(p.template()).network(p.network()).diskMb(p.diskMb())
                    .timeout(p.idleTimeout().plus(BACKSTOP)).build();
            LocalSandbox sandbox = provider.createPooled(spec, owner);
            if (closed) {
                sandbox.kill();
                return false;
            }
            s.ready.addLast(new Entry(sandbox, template.get().hash(), System.nanoTime()));
            s.backoffMs = 0;
            s.lastError = Optional.empty();
            return true;
        } catch (RuntimeException e) {
            // out of uid ranges, a broken template: try again later, slower each time
            s.lastError = Optional.of(e.getMessage() == null ? e.toString() : e.getMessage());
            s.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(500, s.backoffMs * 2));
            s.retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(s.backoffMs);
            return false;
        }
    }

    private void wake() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /** Pooled sandboxes whose owning process is gone (killed before it could close its pool). */
    private void sweepOrphans() {
        for (LocalSandbox s : provider.pooled()) {
            if (!ownerAlive(s.state().pool().orElseThrow())) s.kill();
        }
    }

    static String ownerTag(ProcessHandle h) {
        return h.pid() + "@" + h.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    /** The owner tag carries the process's start time too, so a recycled pid does not pass for it. */
    static boolean ownerAlive(String tag) {
        try {
            long pid = Long.parseLong(tag.substring(0, tag.indexOf('@')));
            return ProcessHandle.of(pid).map(LocalSandboxPool::ownerTag).filter(tag::equals).isPresent();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public List<Status> pools() {
        return slots.stream().map(s -> new Status(s.pool, s.ready.size(), s.hits.get(), s.misses.get(), s.lastError)).toList();
    }

    @Override
    public Sandbox connect(String id) {
        return provider.connect(id);
    }

    @Override
    public List<SandboxInfo> list(SandboxQuery query) {
        return provider.list(query);
    }

    @Override
    public boolean kill(String id) {
        return provider.kill(id);
    }

    @Override
    public PooledSandboxProvider withPool(Pool... pools) {
        throw new IllegalStateException("this provider has its pools already; give every pool to one withPool call");
    }

    /** Stops refilling and kills every sandbox still waiting; returns once they are gone. */
    @Override
    public void close() {
        drain();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down; the hook drains (again, harmlessly)
        }
    }

    private void drain() {
        closed = true;
        wake();
        try {
            refiller.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (ExecutorService killers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Slot s : slots) {
                for (Entry e = s.ready.pollFirst(); e != null; e = s.ready.pollFirst()) {
                    LocalSandbox sandbox = e.sandbox();
                    killers.submit(sandbox::kill);
                }
            }
        }
    }
}
