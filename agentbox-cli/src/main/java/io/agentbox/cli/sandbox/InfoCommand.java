package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Json;
import io.agentbox.cli.Table;
import io.agentbox.sandbox.Resources;
import io.agentbox.sandbox.SandboxInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Instant;
import java.util.concurrent.Callable;

/** {@code agentbox sandbox info ID}. */
@Command(name = "info", description = "Show a sandbox's template, deadline, limits and labels.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "Sandbox id.")
    private String id;

    @Option(names = "--json", description = "Print a JSON object.")
    private boolean json;

    @Override
    public Integer call() {
        SandboxInfo info = AgentboxCommand.cli(spec).sandbox(id).info();
        if (json) {
            Json.print(spec.commandLine().getOut(), SandboxView.of(info));
            return 0;
        }
        Resources r = info.resources();
        new Table("id", info.id())
                .row("template", info.template())
                .row("created", SandboxView.iso(info.createdAt()))
                .row("expires", SandboxView.iso(info.expiresAt()) + " (" + SandboxView.expiresIn(info.expiresAt(), Instant.now()) + ")")
                .row("resources", cpus(r.cpus()) + " cpu, " + r.memoryMb() + " MiB memory, " + r.pids() + " pids, " + r.diskMb() + " MiB disk")
                .row("network", info.network().name())
                .row("workdir", info.workdir())
                .row("metadata", SandboxView.metadataText(info.metadata()))
                .print(spec.commandLine().getOut());
        return 0;
    }

    private static String cpus(double cpus) {
        return cpus == Math.rint(cpus) ? String.valueOf((long) cpus) : String.valueOf(cpus);
    }
}
