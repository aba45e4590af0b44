package io.agentbox.cli.agent;

import io.agentbox.ConfigException;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.AgentRuntime;
import io.agentbox.agent.claudecode.ClaudeCodeInstall;
import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.CliException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** {@code agentbox runtime install claude-code [--version V]}: agent runtimes that run inside sandboxes. */
@Command(name = "runtime", description = "Install agent runtimes that run inside sandboxes (claude-code).")
public final class RuntimeCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "install", description = "Install a runtime once into the data dir; every sandbox then sees it read-only.")
    int install(@Parameters(paramLabel = "RUNTIME", description = "claude-code") String name,
                @Option(names = "--version", paramLabel = "VERSION", description = "Claude Code's npm version (default: "
                        + ClaudeCodeInstall.DEFAULT_VERSION + ", the tested one).") String version) {
        requireClaudeCode(name);
        Path home = AgentboxCommand.cli(spec).home();
        PrintWriter err = spec.commandLine().getErr();
        ClaudeCodeInstall installed;
        try {
            installed = ClaudeCodeInstall.install(home, version == null ? ClaudeCodeInstall.DEFAULT_VERSION : version, line -> {
                err.println(line);
                err.flush();
            });
        } catch (ConfigException e) {
            throw new CliException(ErrorCategory.CONFIG, e.getMessage(), 2);
        } catch (UncheckedIOException e) {
            throw new CliException(ErrorCategory.INTERNAL, e.getMessage());
        }
        err.println("Claude Code " + installed.version() + " installed in " + installed.binaryDir()
                + "; run with: agentbox run --runtime claude-code \"…\"");
        spec.commandLine().getOut().println(installed.version());
        return 0;
    }

    @Command(name = "status", description = "Show the installed version of a runtime (exit 1 when it is not installed).")
    int status(@Parameters(paramLabel = "RUNTIME", description = "claude-code") String name) {
        requireClaudeCode(name);
        return ClaudeCodeInstall.find(AgentboxCommand.cli(spec).home()).map(i -> {
            spec.commandLine().getOut().println(i.version() + " " + i.binaryDir());
            return 0;
        }).orElseGet(() -> {
            spec.commandLine().getErr().println(ClaudeCodeInstall.NOT_INSTALLED);
            return 1;
        });
    }

    private void requireClaudeCode(String name) {
        if (!AgentRuntime.CLAUDE_CODE.equals(name)) {
            throw new CliException(ErrorCategory.CONFIG, "unknown runtime '" + name + "' to install (expected claude-code; native needs no install)", 2);
        }
    }
}
