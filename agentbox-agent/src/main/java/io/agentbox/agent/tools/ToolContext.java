package io.agentbox.agent.tools;

import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandHandle;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Sandbox;

/**
 * What a tool call may use. Run commands through {@link #run}/{@link #start} rather than the
 * sandbox directly, so that canceling the run stops them.
 */
public interface ToolContext {
    Sandbox sandbox();

    String runId();

    String toolUseId();

    /** Runs a command to its end; canceling the run kills it. */
    CommandResult run(Command command);

    /** Starts a command that outlives the call (background work); canceling the run kills it. */
    CommandHandle start(Command command);

    /** The working directory of commands, kept across calls like a shell's (absolute, in the sandbox). */
    String cwd();

    void cwd(String directory);

    /** Resolves a tool's path argument against the working directory. */
    default String resolve(String path) {
        if (path.startsWith("/")) return path;
        String base = cwd();
        return base.endsWith("/") ? base + path : base + "/" + path;
    }
}
