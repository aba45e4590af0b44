package io.agentbox.sandbox;

import java.time.Duration;
import java.util.List;

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

    Filesystem files();

    /** Moves the deadline to now + timeout (extends or shortens the lifetime). */
    void setTimeout(Duration timeout);

    /**
     * Replaces the network policy of the running sandbox; new connections follow it within a second
     * (connections already open keep going). A sandbox created with {@code none} gets its private
     * network wired on its first change to {@code open} or {@code allow}.
     */
    default void setNetwork(NetworkPolicy policy) {
        throw new SandboxException("this kind of sandbox cannot change its network policy");
    }

    /** The network attempts its egress recorded, oldest first: every refusal, and with auditAll every connection. */
    default List<NetworkAuditEntry> networkAudit() {
        return List.of();
    }

    /** Ends the sandbox now: every process, mount, cgroup and directory of it goes away. Idempotent. */
    void kill();

    /** Same as {@link #kill()}. */
    @Override
    default void close() {
        kill();
    }
}
