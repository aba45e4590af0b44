package io.agentbox.cli.sandbox;

import io.agentbox.ErrorCategory;
import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.CliException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code agentbox sandbox kill-process ID PID}. */
@Command(name = "kill-process", description = "Kill a process (and its process group) in a sandbox.")
final class KillProcessCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "Sandbox id.")
    private String id;

    @Parameters(index = "1", paramLabel = "PID", description = "Process id inside the sandbox (see `sandbox ps`).")
    private int pid;

    @Override
    public Integer call() {
        if (!AgentboxCommand.cli(spec).sandbox(id).commands().kill(pid)) {
            throw new CliException(ErrorCategory.SANDBOX_ERROR, "no running process " + pid + " in sandbox " + id);
        }
        return 0;
    }
}
