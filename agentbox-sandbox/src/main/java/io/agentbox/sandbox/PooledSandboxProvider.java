package io.agentbox.sandbox;

import java.util.List;

/**
 * A provider that keeps warm pools (see {@link Pool}). {@link #create} hands out a ready sandbox when
 * the spec has a pool's shape, and otherwise, or when the pool is empty, creates one as usual; either
 * way the caller gets a sandbox used by nobody before. {@link #close()} kills every sandbox still in
 * a pool (the ones handed out belong to their callers).
 */
public interface PooledSandboxProvider extends SandboxProvider, AutoCloseable {
    /** One pool's state right now. */
    record Status(Pool pool, int ready, long hits, long misses, java.util.Optional<String> lastError) {}

    List<Status> pools();

    @Override
    void close();
}
