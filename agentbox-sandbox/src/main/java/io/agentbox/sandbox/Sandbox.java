package io.agentbox.sandbox;

import java.time.Duration;

/**
 * One isolated sandbox: its own filesystem view, processes, network and limits. Commands and files
 * of the same sandbox share state; nothing is shared between two sandboxes or with the host.
 * {@link #close()} kills the sandbox, so try-with-resources leaves nothing behind.
 */
public interface Sandbox extends AutoCloseable {
    String id();

    /** A fresh snapshot (metadata, deadline, limits). */
    SandboxInfo info();

    Commands commands();

    Files files();

    /** Moves the deadline to now + timeout (extends or shortens the lifetime). */
    void setTimeout(Duration timeout);

    /** Ends the sandbox now: every process, mount, cgroup and directory of it goes away. Idempotent. */
    void kill();

    /** Same as {@link #kill()}. */
    @Override
    default void close() {
        kill();
    }
}
