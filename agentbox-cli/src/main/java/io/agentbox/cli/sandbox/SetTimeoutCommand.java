package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Converters;
import io.agentbox.sandbox.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.time.Instant;
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
        Sandbox sandbox = AgentboxCommand.cli(spec).sandbox(id);
        sandbox.setTimeout(timeout);
        spec.commandLine().getOut().println(id + " expires " + SandboxView.expiresIn(sandbox.info().expiresAt(), Instant.now()));
        return 0;
    }
}
