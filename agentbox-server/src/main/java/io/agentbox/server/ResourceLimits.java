package io.agentbox.server;

import io.agentbox.ConfigException;

import java.time.Duration;

/**
 * The most one sandbox may ask for, and the most one workspace may hold at once: a request over a
 * per-sandbox maximum is refused (400), one that would take a workspace over its quota too (429); both
 * name the setting. Each field is a {@link ServerSetting} ({@code --sandbox-max-memory}, …).
 *
 * @param workspaceMaxSandboxes     live sandboxes per workspace: raw ones, and those of runs and sessions
 * @param workspaceMaxMemoryMb      the sum of the memory limits of a workspace's live sandboxes
 * @param workspaceMaxArtifactBytes stored artifact bytes per workspace, over all its runs
 */
public record ResourceLimits(double sandboxMaxCpus, long sandboxMaxMemoryMb, int sandboxMaxPids, long sandboxMaxDiskMb,
                             Duration sandboxMaxTimeout, int workspaceMaxSandboxes, long workspaceMaxMemoryMb,
                             long workspaceMaxArtifactBytes) {
    public static final ResourceLimits DEFAULT = new ResourceLimits(4, 8 << 10, 4096, 10 << 10, Duration.ofHours(24),
            50, 64 << 10, 10L << 30);

    public ResourceLimits {
        if (!(sandboxMaxCpus > 0)) throw new ConfigException("sandbox-max-cpus must be > 0, got " + sandboxMaxCpus);
        if (sandboxMaxMemoryMb < 16) throw new ConfigException("sandbox-max-memory must be at least 16m");
        if (sandboxMaxPids < 8) throw new ConfigException("sandbox-max-pids must be at least 8, got " + sandboxMaxPids);
        if (sandboxMaxDiskMb < 1) throw new ConfigException("sandbox-max-disk must be at least 1m");
        if (sandboxMaxTimeout.isNegative() || sandboxMaxTimeout.isZero()) throw new ConfigException("sandbox-max-timeout must be positive");
        if (workspaceMaxSandboxes < 1) throw new ConfigException("workspace-max-sandboxes must be >= 1, got " + workspaceMaxSandboxes);
        if (workspaceMaxMemoryMb < 16) throw new ConfigException("workspace-max-memory must be at least 16m");
        if (workspaceMaxArtifactBytes < 0) throw new ConfigException("workspace-max-artifact-storage must be >= 0");
    }

    public ResourceLimits withSandboxMaxCpus(double v) { return new ResourceLimits(v, sandboxMaxMemoryMb, sandboxMaxPids, sandboxMaxDiskMb, sandboxMaxTimeout, workspaceMaxSandboxes, workspaceMaxMemoryMb, workspaceMaxArtifactBytes); }
    public ResourceLimits withSandboxMaxMemoryMb(long v) { return new ResourceLimits(sandboxMaxCpus, v, sandboxMaxPids, sandboxMaxDiskMb, sandboxMaxTimeout, workspaceMaxSandboxes, workspaceMaxMemoryMb, workspaceMaxArtifactBytes); }
    public ResourceLimits withSandboxMaxPids(int v) { return new ResourceLimits(sandboxMaxCpus, sandboxMaxMemoryMb, v, sandboxMaxDiskMb, sandboxMaxTimeout, workspaceMaxSandboxes, workspaceMaxMemoryMb, workspaceMaxArtifactBytes); }
    public ResourceLimits withSandboxMaxDiskMb(long v) { return new ResourceLimits(sandboxMaxCpus, sandboxMaxMemoryMb, sandboxMaxPids, v, sandboxMaxTimeout, workspaceMaxSandboxes, workspaceMaxMemoryMb, workspaceMaxArtifactBytes); }
    public ResourceLimits withSandboxMaxTimeout(Duration v) { return new ResourceLimits(sandboxMaxCpus, sandboxMaxMemoryMb, sandboxMaxPids, sandboxMaxDiskMb, v, workspaceMaxSandboxes, workspaceMaxMemoryMb, workspaceMaxArtifactBytes); }
    public ResourceLimits withWorkspaceMaxSandboxes(int v) { return new ResourceLimits(sandboxMaxCpus, sandboxMaxMemoryMb, sandboxMaxPids, sandboxMaxDiskMb, sandboxMaxTimeout, v, workspaceMaxMemoryMb, workspaceMaxArtifactBytes); }
    public ResourceLimits withWorkspaceMaxMemoryMb(long v) { return new ResourceLimits(sandboxMaxCpus, sandboxMaxMemoryMb, sandboxMaxPids, sandboxMaxDiskMb, sandboxMaxTimeout, workspaceMaxSandboxes, v, workspaceMaxArtifactBytes); }
    public ResourceLimits withWorkspaceMaxArtifactBytes(long v) { return new ResourceLimits(sandboxMaxCpus, sandboxMaxMemoryMb, sandboxMaxPids, sandboxMaxDiskMb, sandboxMaxTimeout, workspaceMaxSandboxes, workspaceMaxMemoryMb, v); }
}
