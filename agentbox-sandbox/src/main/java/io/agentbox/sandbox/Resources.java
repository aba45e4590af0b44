package io.agentbox.sandbox;

/**
 * Resource limits of one sandbox. Memory, pids and CPU are enforced with cgroups; disk caps the
 * writable part of the filesystem (workspace, home and /tmp together).
 *
 * @param cpus     CPU quota in cores (fractions allowed)
 * @param memoryMb memory limit in MiB (the sandbox's files on its writable part count too)
 * @param pids     maximum number of processes and threads
 * @param diskMb   size of the writable part in MiB
 */
public record Resources(double cpus, long memoryMb, int pids, long diskMb) {
    public static final Resources DEFAULT = new Resources(1, 1024, 512, 1024);

    public Resources {
        if (!(cpus > 0) || cpus > 1024) throw new IllegalArgumentException("cpus must be > 0, got " + cpus);
        if (memoryMb < 16) throw new IllegalArgumentException("memory must be at least 16 MiB, got " + memoryMb + " MiB");
        if (pids < 8) throw new IllegalArgumentException("pids must be at least 8, got " + pids);
        if (diskMb < 1) throw new IllegalArgumentException("disk must be at least 1 MiB, got " + diskMb + " MiB");
    }

    public Resources withCpus(double v) { return new Resources(v, memoryMb, pids, diskMb); }
    public Resources withMemoryMb(long v) { return new Resources(cpus, v, pids, diskMb); }
    public Resources withPids(int v) { return new Resources(cpus, memoryMb, v, diskMb); }
    public Resources withDiskMb(long v) { return new Resources(cpus, memoryMb, pids, v); }
}
