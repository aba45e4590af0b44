package io.agentbox.cli.agent;

import io.agentbox.agent.AgentSession;
import io.agentbox.ConfigException;
import io.agentbox.agent.model.ModelClient;
import io.agentbox.agent.output.ExitCode;
import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Cli;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code agentbox chat}: a REPL over one session. The sandbox stays between turns (and after the
 * chat, for {@code --continue}); Ctrl-C cancels the running turn, not the session.
 */
@Command(name = "chat", sortOptions = false,
        description = "Talk to a Claude agent turn by turn in one sandbox. /exit quits, /cost shows the session's cost, Ctrl-C cancels a turn.")
public final class ChatCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private AgentFlags flags;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ModelClient client;
        try {
            client = ModelClients.fromEnvironment();
        } catch (ConfigException e) {
            err.println("agentbox: " + e.getMessage());
            return ExitCode.CONFIG.code();
        }
        Cli cli = AgentboxCommand.cli(spec);
        try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build()) {
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("agentbox")
                    .variable(LineReader.HISTORY_FILE, cli.home().resolve("chat_history"))
                    .build();
            try (AgentRunner runner = new AgentRunner(cli, flags, client, true, spec.commandLine().getOut(), err,
                    Optional.of(question -> readLine(reader, question)))) {
                ConsoleRenderer.Style style = new ConsoleRenderer.Style(runner.color());
                err.println(style.dim("agentbox chat · session " + runner.sessionId() + " · sandbox " + runner.sandboxId()
                        + " · /exit to quit, /cost for the cost so far, Ctrl-C cancels a turn"));
                err.flush();
                loop(reader, runner, err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 0;
    }

    private void loop(LineReader reader, AgentRunner runner, PrintWriter err) {
        while (true) {
            String line;
            try {
                line = reader.readLine("> ");
            } catch (UserInterruptException e) {
                continue; // Ctrl-C at the prompt drops the line, as in a shell
            } catch (EndOfFileException e) {
                return;
            }
            String input = line.strip();
            if (input.isEmpty()) continue;
            switch (input.toLowerCase(Locale.ROOT)) {
                case "/exit", "/quit" -> {
                    return;
                }
                case "/cost" -> {
                    err.println(cost(runner.session()));
                    err.flush();
                }
                case "/help" -> {
                    err.println("/exit quits (Ctrl-D too), /cost shows the session's tokens and cost; anything else goes to the agent.");
                    err.flush();
                }
                default -> {
                    if (input.startsWith("/") && !input.contains(" ")) {
                        err.println("unknown command " + input + " (try /help)");
                        err.flush();
                        continue;
                    }
                    try (ConsoleRenderer renderer = runner.renderer()) {
                        runner.turn(line, renderer);
                    }
                }
            }
        }
    }

    static String cost(AgentSession session) {
        var u = session.usage();
        long input = u.inputTokens() + u.cacheCreationInputTokens() + u.cacheReadInputTokens();
        return String.format(Locale.ROOT, "session %s · %d turns · %,d in / %,d out tokens · %s (model %s, sandbox %s)",
                session.id(), session.turns(), input, u.outputTokens(), ConsoleRenderer.usd(session.cost().total()),
                ConsoleRenderer.usd(session.cost().model()), ConsoleRenderer.usd(session.cost().sandbox()));
    }

    private static String readLine(LineReader reader, String question) {
        try {
            return reader.readLine(question);
        } catch (UserInterruptException | EndOfFileException e) {
            return null;
        }
    }
}
