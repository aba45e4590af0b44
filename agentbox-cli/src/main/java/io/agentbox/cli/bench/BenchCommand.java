package io.agentbox.cli.bench;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Json;
import io.agentbox.cli.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;

/** {@code agentbox bench sandbox [--json]}: measurements on the user's own machine. */
@Command(name = "bench", description = "Measure agentbox on this machine.")
public final class BenchCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "sandbox", description = "Sandbox create/exec/kill latency, exec round trip and idle footprint, with baselines.")
    int sandbox(@Option(names = "--json", description = "Print one JSON object.") boolean json,
                @Option(names = "--quick", description = "Fewer iterations (a rough figure in seconds).") boolean quick) throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        SandboxBenchmark bench = new SandboxBenchmark(AgentboxCommand.cli(spec).sandboxes(), step -> {
            err.println("bench: " + step);
            err.flush();
        });
        SandboxBenchmark.Result r = bench.run(quick ? SandboxBenchmark.Options.QUICK : SandboxBenchmark.Options.DEFAULT);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Json.print(out, r);
            return 0;
        }
        var seq = r.createExecKill().sequential();
        var conc = r.createExecKill().concurrent();
        new Table("MEASURE", "P50", "P95", "P99", "N")
                .row("create, exec true, kill (one at a time)", ms(seq.p50Ms()), ms(seq.p95Ms()), ms(seq.p99Ms()), String.valueOf(seq.n()))
                .row("create, exec true, kill (" + conc.concurrency() + " at a time)", ms(conc.p50Ms()), ms(conc.p95Ms()), ms(conc.p99Ms()), String.valueOf(conc.n()))
                .row("exec true in a live sandbox", ms(r.execRoundTrip().p50Ms()), "", ms(r.execRoundTrip().p99Ms()), String.valueOf(r.execRoundTrip().n()))
                .row("baseline: bwrap ... true", ms(r.baseline().bwrapTrueP50Ms()), "", "", "")
                .row("baseline: plain process true", ms(r.baseline().processBuilderTrueP50Ms()), "", "", "")
                .print(out);
        r.pool().ifPresent(p -> out.printf(Locale.ROOT, "%ncreate from a warm pool of %d: p50 %.2f ms, p99 %.2f ms; a fresh create in the same run: p50 %.2f ms, p99 %.2f ms (%.1fx)%n",
                p.poolSize(), p.createP50Ms(), p.createP99Ms(), p.freshCreateP50Ms(), p.freshCreateP99Ms(), p.freshOverPooledP50()));
        var idle = r.idle();
        out.printf(Locale.ROOT, "%nidle sandboxes: %d held at once (target %d, stopped: %s), %.2f MiB of host memory each (own processes' PSS %.2f MiB)%n",
                idle.sandboxesHeld(), idle.target(), idle.stoppedBecause(), idle.memoryPerSandboxMb(), idle.processPssPerSandboxMb());
        out.printf(Locale.ROOT, "exec round trip = %.2fx bwrap true, %.2fx a plain process; create+exec+kill = %.2fx bwrap true (%d cpus, kernel %s)%n",
                r.ratios().execRoundTripVsBwrapTrue(), r.ratios().execRoundTripVsProcessBuilderTrue(), r.ratios().createExecKillVsBwrapTrue(),
                r.cpus(), r.kernel());
        out.flush();
        return 0;
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, "%.2f ms", v);
    }
}
