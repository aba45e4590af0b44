package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.sandbox.SandboxNotFoundException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code agentbox sandbox kill ID}: ends the sandbox and everything in it. */
@Command(name = "kill", description = "Kill a sandbox and everything in it.")
final class KillCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "Sandbox id.")
    private String id;

    @Override
    public Integer call() {
        if (!AgentboxCommand.cli(spec).sandboxes().kill(id)) throw new SandboxNotFoundException(id);
        return 0;
    }
}
