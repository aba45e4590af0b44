package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Cli;
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
import java.util.List;
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
        Cli cli = AgentboxCommand.cli(spec);
        SandboxInfo info = FastView.recording(cli, List.of(id), () -> List.of(cli.sandbox(id).info())).getFirst();
        if (json) {
            Json.print(spec.commandLine().getOut(), SandboxView.of(info));
            return 0;
        }
        table(info, SandboxView.expiresIn(info.expiresAt(), Instant.now())).print(spec.commandLine().getOut());
        return 0;
    }

    /** The text {@code info} prints, with {@code expiresIn} ("in 4m58s") after the deadline. */
    static Table table(SandboxInfo info, String expiresIn) {
        Resources r = info.resources();
        return new Table("id", info.id())
                .row("template", info.template())
                .row("created", SandboxView.iso(info.createdAt()))
                .row("expires", SandboxView.iso(info.expiresAt()) + " (" + expiresIn + ")")
                .row("resources", cpus(r.cpus()) + " cpu, " + r.memoryMb() + " MiB memory, " + r.pids() + " pids, " + r.diskMb() + " MiB disk")
                .row("network", info.network().name())
                .row("workdir", info.workdir())
                .row("metadata", SandboxView.metadataText(info.metadata()));
    }

    private static String cpus(double cpus) {
        return cpus == Math.rint(cpus) ? String.valueOf((long) cpus) : String.valueOf(cpus);
    }
}
