package io.agentbox.cli;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;
import io.agentbox.cli.agent.ChatCommand;
import io.agentbox.cli.agent.DemoCommand;
import io.agentbox.cli.agent.ModelClients;
import io.agentbox.cli.agent.RunCommand;
import io.agentbox.cli.bench.BenchCommand;
import io.agentbox.cli.remote.KeysCommand;
import io.agentbox.cli.remote.RunsCommand;
import io.agentbox.cli.remote.ServeCommand;
import io.agentbox.cli.remote.SessionsCommand;
import io.agentbox.cli.remote.UsageCommand;
import io.agentbox.cli.remote.WorkspacesCommand;
import io.agentbox.cli.sandbox.SandboxCommand;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Entry point of the runnable jar. Every failure ends as one {@code agentbox: <message>} line on
 * stderr and a non-zero exit code; stack traces only with {@code --debug}.
 */
public final class Main {
    /** Exit code of a bad command line (picocli's convention). */
    public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;
    /** Exit code of any other failure of agentbox itself. */
    public static final int EXIT_FAILURE = 1;

    private Main() {}

    public static void main(String[] args) {
        int code = run(args);
        System.out.flush();
        System.err.flush();
        // Every command has finished its own cleanup here. System.exit would wait ~300 ms for the
        // JVM's virtual-thread poller, still parked in epoll, before the process can end.
        Runtime.getRuntime().halt(code);
    }

    static int run(String[] args) {
        QuietLogging.install();
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        AgentboxCommand root = new AgentboxCommand();
        CommandLine cli = commandLine(root, args);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, badArgs) -> usageError(ex, err));
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> failure(ex, root.debug(), err));
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * The command tree for these arguments. Only the top-level command being run is built (all of
     * them for help or an unknown name): picocli's reflective set-up is most of a short command's
     * start-up time, and it grows with every command.
     */
    static CommandLine commandLine(AgentboxCommand root, String[] args) {
        Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
        commands.put("run", RunCommand::new);
        commands.put("chat", ChatCommand::new);
        commands.put("demo", DemoCommand::new);
        commands.put("sandbox", SandboxCommand::new);
        commands.put("template", TemplateCommand::new);
        commands.put("runtime", io.agentbox.cli.agent.RuntimeCommand::new);
        commands.put("bench", BenchCommand::new);
        commands.put("serve", ServeCommand::commandSpec);
        commands.put("runs", RunsCommand::new);
        commands.put("sessions", SessionsCommand::new);
        commands.put("keys", KeysCommand::new);
        commands.put("workspaces", WorkspacesCommand::new);
        commands.put("usage", UsageCommand::new);
        commands.put("mcp", io.agentbox.cli.mcp.McpCommand::new);

        String name = commandName(args);
        if (name.equals("run") || name.equals("chat")) ModelClients.prefetch();
        CommandLine cli = new CommandLine(root);
        commands.forEach((n, factory) -> {
            if (!commands.containsKey(name) || n.equals(name)) cli.addSubcommand(n, factory.get());
        });
        if (cli.getSubcommands().containsKey("sandbox")) {
            // `exec ID ls -la` and `exec ID -- ls -la` alike: everything after the id is the command.
            CommandLine sandbox = cli.getSubcommands().get("sandbox");
            sandbox.getSubcommands().get("exec").setStopAtPositional(true);
            sandbox.getSubcommands().get("start").setStopAtPositional(true);
        }
        return cli;
    }

    /** The first word that is neither an option nor the value of a global option. */
    static String commandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--server") || args[i].equals("--api-key") || args[i].equals("--provider")) i++;
            else if (!args[i].startsWith("-")) return args[i];
        }
        return "";
    }

    private static int usageError(ParameterException ex, PrintWriter err) {
        err.println("agentbox: " + oneLine(ex.getMessage())
                + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
        return EXIT_USAGE;
    }

    private static int failure(Exception ex, boolean debug, PrintWriter err) {
        if (debug) ex.printStackTrace(err);
        if (ex instanceof CliException c) {
            err.println("agentbox: " + oneLine(c.getMessage()));
            return c.exitCode();
        }
        // Invalid values that only the API could judge (e.g. a memory limit below the minimum) are usage errors too.
        if (ex instanceof IllegalArgumentException) {
            err.println("agentbox: " + oneLine(ex.getMessage()));
            return EXIT_USAGE;
        }
        if (ex instanceof AgentboxException a) {
            err.println("agentbox: " + oneLine(ex.getMessage()));
            // configuration problems share the usage code, as in the agent's exit codes
            return a.category() == ErrorCategory.CONFIG ? EXIT_USAGE : EXIT_FAILURE;
        }
        String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        err.println("agentbox: internal error: " + oneLine(message) + (debug ? "" : " (run with --debug for details)"));
        return EXIT_FAILURE;
    }

    private static String oneLine(String message) {
        if (message == null || message.isBlank()) return "failed";
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
