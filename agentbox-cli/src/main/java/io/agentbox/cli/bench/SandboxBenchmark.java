package io.agentbox.cli.bench;

import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * {@code agentbox bench sandbox}: sandbox latencies and footprint on this machine, with baselines
 * measured in the same run (a raw {@code bwrap … true} and a plain process start).
 */
final class SandboxBenchmark {
    /** How much to measure. */
    public record Options(int createExecKill, int concurrency, int execRoundTrips, int baselineRuns, int idleSandboxes, int poolTakes) {
        public static final Options DEFAULT = new Options(200, 50, 1000, 200, 1000, 200);
        public static final Options QUICK = new Options(40, 10, 200, 50, 50, 40);
    }

    public record Latency(double p50Ms, double p95Ms, double p99Ms, int n) {}

    public record Concurrent(double p50Ms, double p95Ms, double p99Ms, int n, int concurrency) {}

    public record CreateExecKill(Latency sequential, Concurrent concurrent) {}

    public record RoundTrip(double p50Ms, double p99Ms, int n) {}

    public record Baseline(double bwrapTrueP50Ms, double processBuilderTrueP50Ms) {}

    /**
     * @param memoryPerSandboxMb host memory (MemAvailable) consumed per idle sandbox, kernel objects included
     * @param processPssPerSandboxMb proportional set size of the sandbox's own processes (supervisor, bwrap, init)
     * @param sandboxesHeld idle sandboxes alive at once (the run stops at the target or at the first failure)
     */
    public record Idle(double memoryPerSandboxMb, double processPssPerSandboxMb, int sandboxesHeld, int target,
                       String stoppedBecause) {}

    /** Ratios against the baselines: how much a sandbox costs over the bare kernel mechanisms. */
    public record Ratios(double execRoundTripVsBwrapTrue, double execRoundTripVsProcessBuilderTrue,
                         double createExecKillVsBwrapTrue) {}

    /**
     * Creating from a warm pool (a full pool of {@code poolSize}, one take at a time) beside creating a
     * fresh sandbox, both up to the point where {@code create} returns; absent for providers without pools.
     */
    public record Pooled(double createP50Ms, double createP99Ms, int n, int poolSize, double freshCreateP50Ms,
                         double freshCreateP99Ms, double freshOverPooledP50) {}

    public record Result(CreateExecKill createExecKill, RoundTrip execRoundTrip, Baseline baseline, Idle idle,
                         java.util.Optional<Pooled> pool, Ratios ratios, int cpus, String kernel) {}

    private final SandboxProvider provider;
    private final Consumer<String> progress;

    SandboxBenchmark(SandboxProvider provider, Consumer<String> progress) {
        this.provider = provider;
        this.progress = progress;
    }

    private static SandboxSpec spec() {
        return SandboxSpec.builder().timeout(Duration.ofMinutes(10)).metadata("purpose", "bench").build();
    }

    Result run(Options o) throws Exception {
        progress.accept("warming up");
        for (int i = 0; i < 10; i++) createExecKill();

        progress.accept("baselines: bwrap true and a plain process, " + o.baselineRuns() + " runs each");
        double bwrap = p(baseline(bwrapTrue(), o.baselineRuns()), 50);
        double plain = p(baseline(List.of("/bin/true"), o.baselineRuns()), 50);

        progress.accept("create -> exec -> kill, sequential, " + o.createExecKill() + " sandboxes");
        double[] seq = new double[o.createExecKill()];
        for (int i = 0; i < seq.length; i++) seq[i] = createExecKill();

        progress.accept("create -> exec -> kill, " + o.concurrency() + " at a time, " + o.createExecKill() + " sandboxes");
        double[] conc = new double[o.createExecKill()];
        try (ExecutorService pool = Executors.newFixedThreadPool(o.concurrency(), Thread.ofVirtual().factory())) {
            List<Future<Double>> fs = new ArrayList<>();
            for (int i = 0; i < conc.length; i++) fs.add(pool.submit(this::createExecKill));
            for (int i = 0; i < conc.length; i++) conc[i] = fs.get(i).get();
        }

        progress.accept("exec round trip in a live sandbox, " + o.execRoundTrips() + " runs");
        double[] rt = new double[o.execRoundTrips()];
        try (Sandbox s = provider.create(spec())) {
            for (int i = 0; i < 50; i++) s.commands().run(Command.of("true"));
            for (int i = 0; i < rt.length; i++) {
                long t = System.nanoTime();
                CommandResult r = s.commands().run(Command.of("true"));
                rt[i] = ms(t);
                if (!r.isSuccess()) throw new SandboxException("true failed in the benchmark sandbox: " + r.stderr());
            }
        }

        java.util.Optional<Pooled> pooled = pooled(o.poolTakes());
        Idle idle = idle(o.idleSandboxes());

        Latency sequential = latency(seq);
        RoundTrip roundTrip = new RoundTrip(p(rt, 50), p(rt, 99), rt.length);
        return new Result(
                new CreateExecKill(sequential, new Concurrent(p(conc, 50), p(conc, 95), p(conc, 99), conc.length, o.concurrency())),
                roundTrip, new Baseline(bwrap, plain), idle, pooled,
                new Ratios(round(roundTrip.p50Ms() / bwrap), round(roundTrip.p50Ms() / plain), round(sequential.p50Ms() / bwrap)),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"));
    }

    private double createExecKill() {
        long t = System.nanoTime();
        Sandbox s = provider.create(spec());
        try {
            CommandResult r = s.commands().run(Command.of("true"));
            if (!r.isSuccess()) throw new SandboxException("true failed in a fresh sandbox: " + r.stderr());
        } finally {
            s.kill();
        }
        return ms(t);
    }

    private java.util.Optional<Pooled> pooled(int n) {
        int size = 8;
        io.agentbox.sandbox.PooledSandboxProvider pooled;
        try {
            pooled = provider.withPool(io.agentbox.sandbox.Pool.of(SandboxSpec.DEFAULT_TEMPLATE, size));
        } catch (SandboxException e) {
            progress.accept("warm pool: skipped (" + e.getMessage() + ")");
            return java.util.Optional.empty();
        }
        progress.accept("warm pool of " + size + ": create from a full pool, and a fresh create, " + n + " each");
        double[] fromPool = new double[n];
        double[] fresh = new double[n];
        try (pooled) {
            for (int i = -5; i < n; i++) {
                awaitFull(pooled, size);
                long t = System.nanoTime();
                Sandbox s = pooled.create(spec());
                double took = ms(t);
                s.kill();
                if (i >= 0) fromPool[i] = took;
            }
            if (pooled.pools().getFirst().misses() > 0) throw new SandboxException("the benchmark's pool missed; its figures would mix in fresh creates");
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                Sandbox s = provider.create(spec());
                fresh[i] = ms(t);
                s.kill();
            }
        }
        double p50 = p(fromPool, 50);
        return java.util.Optional.of(new Pooled(p50, p(fromPool, 99), n, size, p(fresh, 50), p(fresh, 99), round(p(fresh, 50) / Math.max(0.01, p50))));
    }

    private static void awaitFull(io.agentbox.sandbox.PooledSandboxProvider p, int size) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (p.pools().getFirst().ready() < size) {
            if (System.nanoTime() > deadline) {
                throw new SandboxException("the warm pool did not fill in 60 s: " + p.pools().getFirst().lastError().orElse("no error reported"));
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    private Idle idle(int target) throws IOException {
        progress.accept("idle footprint: holding up to " + target + " idle sandboxes");
        List<Sandbox> held = Collections.synchronizedList(new ArrayList<>());
        long before = memAvailableKb();
        String stopped = "reached the target";
        try {
            while (held.size() < target) {
                if (memAvailableKb() < 512 * 1024) {
                    stopped = "host memory below 512 MiB";
                    break;
                }
                try {
                    held.add(provider.create(spec()));
                } catch (SandboxException e) {
                    stopped = "create failed: " + e.getMessage();
                    break;
                }
                if (held.size() % 100 == 0) progress.accept("  " + held.size() + " idle sandboxes alive");
            }
            long after = memAvailableKb();
            double pss = 0;
            for (Sandbox s : held) pss += pssKb(s);
            int n = Math.max(1, held.size());
            return new Idle(round((before - after) / 1024.0 / n), round(pss / 1024.0 / n), held.size(), target, stopped);
        } finally {
            progress.accept("  releasing " + held.size() + " sandboxes");
            try (ExecutorService pool = Executors.newFixedThreadPool(16, Thread.ofVirtual().factory())) {
                for (Sandbox s : held) pool.submit(s::kill);
            }
        }
    }

    /** PSS of the processes whose command line names the sandbox (its supervisor, bwrap and init). */
    private static double pssKb(Sandbox s) {
        double total = 0;
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")));
                    if (!cmd.contains(s.id()) && !isInitOf(p, s)) continue;
                    for (String line : Files.readAllLines(p.resolve("smaps_rollup"))) {
                        if (line.startsWith("Pss:")) total += Double.parseDouble(line.replaceAll("[^0-9]", ""));
                    }
                } catch (IOException | NumberFormatException e) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return total;
    }

    /** init's command line does not name the sandbox; its parent (bwrap) does. */
    private static boolean isInitOf(Path proc, Sandbox s) throws IOException {
        String stat = Files.readString(proc.resolve("stat"));
        String ppid = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1];
        try {
            return new String(Files.readAllBytes(Path.of("/proc", ppid, "cmdline"))).contains(s.id())
                    && new String(Files.readAllBytes(proc.resolve("cmdline"))).contains("agentbox/init");
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> bwrapTrue() {
        return List.of("bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--unshare-all",
                "--die-with-parent", "/bin/true");
    }

    private static double[] baseline(List<String> cmd, int n) throws IOException, InterruptedException {
        double[] t = new double[n];
        for (int i = -10; i < n; i++) {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) throw new SandboxException("baseline command failed: " + String.join(" ", cmd));
            if (i >= 0) t[i] = ms(start);
        }
        return t;
    }

    private static long memAvailableKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemAvailable:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return 0;
    }

    private static Latency latency(double[] v) {
        return new Latency(p(v, 50), p(v, 95), p(v, 99), v.length);
    }

    private static double p(double[] v, double pct) {
        double[] s = v.clone();
        Arrays.sort(s);
        int i = (int) Math.ceil(pct / 100.0 * s.length) - 1;
        return round(s[Math.max(0, Math.min(s.length - 1, i))]);
    }

    private static double ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
