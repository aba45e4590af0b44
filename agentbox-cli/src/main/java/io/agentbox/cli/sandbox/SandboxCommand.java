package io.agentbox.cli.sandbox;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code agentbox sandbox ...}: sandboxes by hand, addressable by id from any shell. */
@Command(name = "sandbox",
        description = "Create, use and remove sandboxes.",
        subcommands = {CreateCommand.class, ExecCommand.class, StartCommand.class, PsCommand.class,
                KillProcessCommand.class, CpCommand.class, LsCommand.class, InfoCommand.class,
                SetTimeoutCommand.class, NetworkCommand.class, AuditCommand.class, KillCommand.class})
public final class SandboxCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
