package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Cli;
import io.agentbox.cli.Converters;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code agentbox sandbox set-timeout ID 10m}: the sandbox now ends that long from now. */
@Command(name = "set-timeout",
        description = "Move a sandbox's deadline to now + DURATION (extends or shortens its life).")
final class SetTimeoutCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "Sandbox id.")
    private String id;

    @Parameters(index = "1", paramLabel = "DURATION", converter = Converters.DurationConverter.class, description = "e.g. 30s, 10m, 2h.")
    private Duration timeout;

    @Override
    public Integer call() {
        Cli cli = AgentboxCommand.cli(spec);
        Sandbox sandbox = cli.sandbox(id);
        sandbox.setTimeout(timeout);
        // the record of the new deadline, for the native `info` and `ls`
        SandboxInfo info = FastView.recording(cli, List.of(id), () -> List.of(sandbox.info())).getFirst();
        spec.commandLine().getOut().println(id + " expires " + SandboxView.expiresIn(info.expiresAt(), Instant.now()));
        return 0;
    }
}
