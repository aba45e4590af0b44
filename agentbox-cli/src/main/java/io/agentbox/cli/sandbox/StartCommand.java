package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.sandbox.CommandHandle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code agentbox sandbox start ID -- CMD...}: a background process that keeps running after this command returns. */
@Command(name = "start",
        description = "Start a background process in a sandbox and print its pid.")
final class StartCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ProcessOptions options;

    @Parameters(index = "0", paramLabel = "ID", description = "Sandbox id.")
    private String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "Program and arguments (after --).")
    private List<String> command;

    @Override
    public Integer call() {
        // stdin at end of file, as for a daemon: nobody is left to write to it
        var builder = options.builder(command, spec).stdin(new byte[0]);
        CommandHandle handle = AgentboxCommand.cli(spec).sandbox(id).commands().start(builder.build());
        spec.commandLine().getOut().println(handle.pid());
        return 0;
    }
}
