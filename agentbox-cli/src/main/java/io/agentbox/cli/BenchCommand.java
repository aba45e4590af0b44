package io.agentbox.cli;

import io.agentbox.ErrorCategory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code agentbox bench sandbox [--json]}. */
@Command(name = "bench", description = "Measure agentbox on this machine.")
final class BenchCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "sandbox", description = "Sandbox create/exec/kill latency, memory per sandbox.")
    void sandbox(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
        throw new CliException(ErrorCategory.CONFIG, "the sandbox benchmark is not available in this build yet");
    }
}
