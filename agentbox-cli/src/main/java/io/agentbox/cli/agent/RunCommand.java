package io.agentbox.cli.agent;

import io.agentbox.agent.AgentResult;
import io.agentbox.ConfigException;
import io.agentbox.agent.model.ModelClient;
import io.agentbox.agent.output.ExitCode;
import io.agentbox.agent.output.OutputFormat;
import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Converters;
import io.agentbox.cli.Terminal;
import io.agentbox.sandbox.transfer.Download;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** {@code agentbox run "prompt"}: one agent run in a sandbox, streamed live, ending with the result, usage and cost. */
@Command(name = "run", sortOptions = false,
        description = "Run a Claude agent on a prompt in a fresh sandbox, streaming every step. The prompt may also come on stdin.",
        footer = {"", "Exit codes: 0 success, 1 internal error, 2 configuration or usage error (e.g. no ANTHROPIC_API_KEY),",
                "3 max turns, 4 budget exceeded, 5 timeout, 6 model API error, 7 API key refused, 8 sandbox error, 130 canceled."})
public final class RunCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private AgentFlags flags;

    @Option(names = "--download", paramLabel = "DIR", description = "Copy /workspace out to this folder after the run (also after a failure); "
            + "capped, and files that could run code on this host are left out (see --download-all).")
    private Path download;

    @Option(names = "--download-all", description = "With --download: write .git/hooks, .git/config, .envrc, shell rc files, .vscode/ and .idea/ too.")
    private boolean downloadAll;

    @Option(names = "--max-download-bytes", paramLabel = "SIZE", converter = Converters.SizeBytesConverter.class,
            description = "With --download: stop after this many bytes (default: 1g; 0: no limit).")
    private long maxDownloadBytes = Download.DEFAULT_MAX_BYTES;

    @Option(names = "--max-download-files", paramLabel = "N",
            description = "With --download: stop after this many files and directories (default: 10000; 0: no limit).")
    private long maxDownloadFiles = Download.DEFAULT_MAX_FILES;

    /** Where {@code --download} writes, and how. */
    record DownloadRequest(Path dir, Download policy, boolean all) {}

    @Option(names = "--output-format", paramLabel = "FORMAT", description = "text (default), json, stream-json or claude-stream-json.")
    private String outputFormat = "text";

    @Parameters(arity = "0..1", paramLabel = "PROMPT", description = "What to do; read from stdin when absent.")
    private String prompt;

    @Override
    public Integer call() {
        Optional<OutputFormat> format = parseFormat(outputFormat);
        String text = prompt != null ? prompt : promptFromStdin();
        if (text.isBlank()) throw new ParameterException(spec.commandLine(), "the prompt is empty");
        ModelClient client;
        try {
            client = ModelClients.fromEnvironment();
        } catch (ConfigException e) {
            // before any sandbox or model call: a missing key costs nothing
            spec.commandLine().getErr().println("agentbox: " + e.getMessage());
            return ExitCode.CONFIG.code();
        }
        if (maxDownloadBytes < 0 || maxDownloadFiles < 0) {
            throw new ParameterException(spec.commandLine(), "--max-download-bytes and --max-download-files must not be negative");
        }
        Optional<DownloadRequest> request = Optional.ofNullable(download).map(d -> new DownloadRequest(d,
                Download.builder().maxBytes(maxDownloadBytes).maxFiles(maxDownloadFiles).includeAll(downloadAll).build(), downloadAll));
        return run(flags, client, text, format, request, spec);
    }

    /** Runs one prompt and renders it in {@code format} (empty: the live text renderer). Shared with {@code demo}. */
    static int run(AgentFlags flags, ModelClient client, String prompt, Optional<OutputFormat> format, Optional<DownloadRequest> download, CommandSpec spec) {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        // Only a terminal can answer a permission question; otherwise the calls are denied.
        Optional<Function<String, String>> ask = Terminal.isTerminal(Terminal.STDIN) ? Optional.of(question -> {
            err.print(question);
            err.flush();
            try {
                return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                return null;
            }
        }) : Optional.empty();
        // claude-stream-json with Claude Code: its own lines, unchanged, instead of our rendering of them
        Optional<java.util.function.Consumer<String>> passthrough = format.filter(f -> f == OutputFormat.CLAUDE_STREAM_JSON)
                .map(f -> line -> {
                    synchronized (out) {
                        out.println(line);
                        out.flush();
                    }
                });
        try (AgentRunner runner = new AgentRunner(AgentboxCommand.cli(spec), flags, client, false, out, err, ask, passthrough)) {
            AgentResult result;
            if (format.isPresent() && format.get() == OutputFormat.CLAUDE_STREAM_JSON && runner.passesThrough()) {
                result = runner.turn(prompt, event -> { });
            } else if (format.isPresent()) {
                result = runner.turn(prompt, runner.printer(format.get().newFormatter()));
            } else {
                try (ConsoleRenderer renderer = runner.renderer()) {
                    result = runner.turn(prompt, renderer);
                }
            }
            download.ifPresent(runner::download);
            return AgentRunner.exitCode(result);
        }
    }

    private Optional<OutputFormat> parseFormat(String name) {
        if ("text".equals(name)) return Optional.empty();
        try {
            return Optional.of(OutputFormat.fromWireName(name));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private String promptFromStdin() {
        if (Terminal.isTerminal(Terminal.STDIN)) {
            throw new ParameterException(spec.commandLine(), "no prompt: give it as an argument or on stdin");
        }
        try {
            return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
