package io.agentbox.server.sandboxes;

import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.Resources;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.ResourceLimits;
import io.agentbox.server.http.ApiException;
import io.agentbox.server.store.SandboxStore;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The server's maximums per sandbox and quotas per workspace ({@link ResourceLimits}). A spec over a
 * maximum is a 400 naming the setting; a sandbox that would take its workspace over the number of live
 * sandboxes or their total memory is a 429 naming the setting. The quota is counted from the database
 * (every node's sandboxes of the workspace); creations in one workspace on this node are serialized so
 * that two at once cannot both take the last place.
 */
public final class SandboxLimits {
    private final ResourceLimits limits;
    private final SandboxStore store;
    private final Map<String, Object> workspaceLocks = new ConcurrentHashMap<>();

    public SandboxLimits(ResourceLimits limits, SandboxStore store) {
        this.limits = limits;
        this.store = store;
    }

    public ResourceLimits limits() {
        return limits;
    }

    /** 400 when the spec asks for more than one sandbox may have. */
    public void checkSpec(SandboxSpec spec) {
        Resources r = spec.resources();
        cpus(r.cpus());
        memoryMb(r.memoryMb());
        pids(r.pids());
        diskMb(r.diskMb());
        checkTimeout("timeout", spec.timeout());
    }

    /** The requested CPUs, or 400 when over the maximum. */
    public double cpus(double v) {
        if (v > limits.sandboxMaxCpus()) {
            throw ApiException.overLimit("sandbox-max-cpus", "field 'cpus' is " + v + "; a sandbox may have at most " + limits.sandboxMaxCpus());
        }
        return v;
    }

    public long memoryMb(long v) {
        if (v > limits.sandboxMaxMemoryMb()) {
            throw ApiException.overLimit("sandbox-max-memory", "field 'memoryMb' is " + v + "; a sandbox may have at most "
                    + limits.sandboxMaxMemoryMb() + " MiB");
        }
        return v;
    }

    public int pids(long v) {
        if (v > limits.sandboxMaxPids()) {
            throw ApiException.overLimit("sandbox-max-pids", "field 'pids' is " + v + "; a sandbox may have at most " + limits.sandboxMaxPids());
        }
        return (int) v;
    }

    public long diskMb(long v) {
        if (v > limits.sandboxMaxDiskMb()) {
            throw ApiException.overLimit("sandbox-max-disk", "field 'diskMb' is " + v + "; a sandbox may have at most "
                    + limits.sandboxMaxDiskMb() + " MiB");
        }
        return v;
    }

    /** 400 when a sandbox's lifetime or a command's timeout is longer than the server allows. */
    public void checkTimeout(String field, Duration timeout) {
        if (timeout.compareTo(limits.sandboxMaxTimeout()) > 0) {
            throw ApiException.overLimit("sandbox-max-timeout", "field '" + field + "' is " + Durations.format(timeout)
                    + "; at most " + Durations.format(limits.sandboxMaxTimeout()) + " is allowed");
        }
    }

    /** 429 when one more sandbox with {@code memoryMb} would take the workspace over a quota. */
    public void checkRoom(String workspaceId, long memoryMb) {
        SandboxStore.Usage used = store.usageOf(workspaceId);
        if (used.sandboxes() + 1 > limits.workspaceMaxSandboxes()) {
            throw ApiException.quotaExceeded("workspace-max-sandboxes", "workspace " + workspaceId + " already has " + used.sandboxes()
                    + " live sandboxes, the most it may have; kill one (or end a session) first");
        }
        if (used.memoryMb() + memoryMb > limits.workspaceMaxMemoryMb()) {
            throw ApiException.quotaExceeded("workspace-max-memory", "workspace " + workspaceId + "'s live sandboxes hold " + used.memoryMb()
                    + " MiB of memory; " + memoryMb + " MiB more would pass its quota of " + limits.workspaceMaxMemoryMb() + " MiB");
        }
    }

    /** Checks the spec and the workspace's room, then creates the sandbox, with no other creation of the workspace in between. */
    public <T> T create(String workspaceId, SandboxSpec spec, Supplier<T> create) {
        checkSpec(spec);
        synchronized (workspaceLocks.computeIfAbsent(workspaceId, k -> new Object())) {
            checkRoom(workspaceId, spec.resources().memoryMb());
            return create.get();
        }
    }
}
