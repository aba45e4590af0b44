package io.agentbox.cli.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.Cost;
import io.agentbox.agent.Usage;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.EventListener;
import io.agentbox.cli.Terminal;
import io.agentbox.sandbox.Durations;

import java.io.PrintWriter;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;

/**
 * The {@code text} output of a run, live: the model's text streams to stdout as it comes; tool
 * calls and results, notices, a spinner while the model works, and a closing line with duration,
 * turns, tokens and cost go to stderr, so that stdout holds only what the model wrote. With
 * {@code quiet}, stdout gets the final result only and stderr only a failure.
 */
public final class ConsoleRenderer implements EventListener, AutoCloseable {
    private static final String[] FRAMES = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
    private static final int RESULT_PREVIEW_CHARS = 120;
    private static final int RESULT_PREVIEW_LINES = 3;

    private final PrintWriter out;
    private final PrintWriter err;
    private final Style style;
    private final boolean quiet;
    private final boolean spinnerEnabled;
    private final Object lock = new Object();
    private final Thread spinnerThread;

    private boolean textOpen;          // stdout holds a text block without its final newline
    private boolean streamedBlock;     // the current text block came as deltas
    private String spinnerLabel;       // null: no spinner shown
    private long spinnerSince;
    private boolean spinnerDrawn;
    private volatile boolean closed;

    /** A renderer for this process's terminal: colour and spinner only where stderr is a terminal and colour is not turned off. */
    public static ConsoleRenderer forTerminal(PrintWriter out, PrintWriter err, boolean noColor, boolean quiet) {
        return new ConsoleRenderer(out, err, Terminal.colorFor(Terminal.STDERR, noColor), quiet, Terminal.isTerminal(Terminal.STDERR));
    }

    ConsoleRenderer(PrintWriter out, PrintWriter err, boolean color, boolean quiet, boolean spinner) {
        this.out = out;
        this.err = err;
        this.style = new Style(color);
        this.quiet = quiet;
        this.spinnerEnabled = spinner && !quiet;
        this.spinnerThread = spinnerEnabled ? Thread.ofPlatform().daemon().name("agentbox-spinner").start(this::spin) : null;
    }

    @Override
    public void onEvent(Event event) {
        synchronized (lock) {
            if (quiet) {
                renderQuiet(event.data());
            } else {
                render(event.data());
            }
        }
    }

    private void renderQuiet(EventData data) {
        switch (data) {
            case EventData.RunCompleted c -> {
                out.println(c.result());
                out.flush();
            }
            case EventData.RunFailed f -> line(err, "agentbox: " + f.category().wireName() + ": " + f.message());
            case EventData.RunCanceled c -> line(err, "agentbox: canceled: " + c.reason());
            default -> { }
        }
    }

    private void render(EventData data) {
        switch (data) {
            case EventData.RunStarted s -> spinner("starting the sandbox");
            case EventData.SandboxReady r -> {
                stopSpinner();
                note(style.dim("sandbox " + r.sandboxId() + " (" + r.template() + ", " + r.workdir() + (r.reused() ? ", kept from the last turn" : "") + ")"));
                spinner("waiting for the model");
            }
            case EventData.SandboxRecreated r -> note(style.yellow("the session's sandbox " + r.previousSandboxId() + " had ended; "
                    + r.sandboxId() + " replaces it: " + r.reason()));
            case EventData.TextDelta d -> {
                stopSpinner();
                out.print(d.text());
                out.flush();
                if (!d.text().isEmpty()) textOpen = !d.text().endsWith("\n");
                streamedBlock = true;
            }
            case EventData.Text t -> {
                stopSpinner();
                if (!streamedBlock) {
                    out.print(t.text());
                    textOpen = !t.text().endsWith("\n");
                }
                endText();
                streamedBlock = false;
                out.flush();
            }
            case EventData.ThinkingDelta d -> spinner("thinking");
            case EventData.Thinking t -> { }
            case EventData.ToolCall c -> {
                stopSpinner();
                endText();
                note(style.cyan("● ") + style.bold(c.name()) + style.dim("(" + summary(c.name(), c.input()) + ")"));
                spinner("running " + c.name());
            }
            case EventData.ToolResult r -> {
                stopSpinner();
                String first = preview(r.output());
                String timing = r.durationMs() >= 1000 ? " " + style.dim("(" + Durations.format(Duration.ofMillis(r.durationMs())) + ")") : "";
                note("  ⎿ " + (r.isError() ? style.red(first.isEmpty() ? "error" : first) : style.dim(first.isEmpty() ? "(no output)" : first)) + timing);
                spinner("waiting for the model");
            }
            case EventData.PermissionRequest p -> stopSpinner();
            case EventData.Retry r -> note(style.yellow("model API: " + r.category().wireName() + (r.status() > 0 ? " (" + r.status() + ")" : "")
                    + ", retrying in " + Durations.format(Duration.ofMillis(r.delayMs())) + " (attempt " + r.attempt() + " of " + r.maxRetries() + ")"));
            case EventData.Compaction c -> note(style.dim("older turns summarized to stay within the context window ("
                    + c.messagesBefore() + " → " + c.messagesAfter() + " messages)"));
            case EventData.McpServerStatus m -> {
                stopSpinner();
                note(m.status().equals(EventData.McpServerStatus.CONNECTED)
                        ? style.dim("MCP server " + m.name() + " (" + m.transport() + "): connected, " + m.tools() + " tools")
                        : style.yellow("MCP server " + m.name() + " (" + m.transport() + "): " + m.status() + m.error().map(e -> ": " + e).orElse("")));
            }
            case EventData.McpProgress p -> spinner("running mcp__" + p.server() + "__" + p.tool() + " ("
                    + (long) p.progress() + p.total().map(t -> "/" + t.longValue()).orElse("") + p.message().map(m -> ": " + m).orElse("") + ")");
            case EventData.ModelUsage u -> { }
            case EventData.RunCompleted c -> finish(style.green("✓ done"), c.durationMs(), c.turns(), c.usage(), c.cost());
            case EventData.RunFailed f -> finish(style.red("✗ " + f.category().wireName() + ": " + f.message()), f.durationMs(), f.turns(), f.usage(), f.cost());
            case EventData.RunCanceled c -> finish(style.yellow("■ canceled: " + c.reason()), c.durationMs(), c.turns(), c.usage(), c.cost());
            default -> { }
        }
    }

    private void finish(String head, long durationMs, int turns, Usage usage, Cost cost) {
        stopSpinner();
        endText();
        note(head + style.dim(" · " + summaryLine(durationMs, turns, usage, cost)));
    }

    /** {@code 12.3s · 4 turns · 12,345 in / 1,234 out tokens (10,000 cached) · $0.0412 (model $0.0400, sandbox $0.0012)}. */
    static String summaryLine(long durationMs, int turns, Usage usage, Cost cost) {
        long input = usage.inputTokens() + usage.cacheCreationInputTokens() + usage.cacheReadInputTokens();
        return Durations.format(Duration.ofMillis(durationMs)) + " · " + turns + (turns == 1 ? " turn" : " turns")
                + " · " + String.format(Locale.ROOT, "%,d in / %,d out tokens", input, usage.outputTokens())
                + (usage.cacheReadInputTokens() > 0 ? String.format(Locale.ROOT, " (%,d cached)", usage.cacheReadInputTokens()) : "")
                + " · " + usd(cost.total()) + " (model " + usd(cost.model()) + ", sandbox " + usd(cost.sandbox()) + ")";
    }

    static String usd(java.math.BigDecimal v) {
        return "$" + v.setScale(4, RoundingMode.HALF_UP).toPlainString();
    }

    /** The one thing worth showing of a tool call's input. */
    static String summary(String tool, JsonNode input) {
        String key = switch (tool) {
            case "Bash" -> "command";
            case "Read", "Write", "Edit", "MultiEdit" -> "file_path";
            case "Glob", "Grep" -> "pattern";
            case "LS" -> "path";
            case "WebFetch" -> "url";
            default -> null;
        };
        String text = key != null && input.hasNonNull(key) ? input.get(key).asText()
                : "TodoWrite".equals(tool) && input.path("todos").isArray() ? input.get("todos").size() + " todos"
                : input.toString();
        return shorten(text.replaceAll("\\s*\\R\\s*", " ⏎ "), 100);
    }

    /** The first lines of a tool's output, and how many more there are. */
    static String preview(String output) {
        String trimmed = output.strip();
        if (trimmed.isEmpty()) return "";
        String[] lines = trimmed.split("\\R", -1);
        int shown = Math.min(lines.length, RESULT_PREVIEW_LINES);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shown; i++) {
            if (i > 0) sb.append("\n    ");
            sb.append(shorten(lines[i], RESULT_PREVIEW_CHARS));
        }
        if (lines.length > shown) sb.append("\n    … +").append(lines.length - shown).append(" lines");
        return sb.toString();
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    private void endText() {
        if (textOpen) {
            out.println();
            out.flush();
            textOpen = false;
        }
    }

    /** A line on stderr, on a line of its own (after any text the model is writing). */
    public void note(String text) {
        synchronized (lock) {
            stopSpinner();
            endText();
            line(err, text);
        }
    }

    private static void line(PrintWriter w, String text) {
        w.println(text);
        w.flush();
    }

    /** Prints a question on stderr, with the spinner out of the way; for the permission prompt. */
    void ask(String question) {
        synchronized (lock) {
            stopSpinner();
            endText();
            err.print(question);
            err.flush();
        }
    }

    // ---- spinner (a terminal on stderr only) ----

    private void spinner(String label) {
        if (!spinnerEnabled) return;
        if (spinnerLabel == null) spinnerSince = System.nanoTime();
        spinnerLabel = label;
    }

    private void stopSpinner() {
        spinnerLabel = null;
        if (spinnerDrawn) {
            err.print("\r\033[K");
            err.flush();
            spinnerDrawn = false;
        }
    }

    private void spin() {
        int frame = 0;
        while (!closed) {
            synchronized (lock) {
                if (spinnerLabel != null && !textOpen) {
                    long seconds = (System.nanoTime() - spinnerSince) / 1_000_000_000L;
                    err.print("\r\033[K" + style.cyan(FRAMES[frame++ % FRAMES.length]) + " " + style.dim(spinnerLabel + "… " + seconds + "s"));
                    err.flush();
                    spinnerDrawn = true;
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        if (spinnerThread != null) spinnerThread.interrupt();
        synchronized (lock) {
            stopSpinner();
            endText();
        }
    }

    /** ANSI styles, or plain text without colour. */
    record Style(boolean color) {
        String bold(String s) { return wrap("1", s); }
        String dim(String s) { return wrap("2", s); }
        String red(String s) { return wrap("31", s); }
        String green(String s) { return wrap("32", s); }
        String yellow(String s) { return wrap("33", s); }
        String cyan(String s) { return wrap("36", s); }

        private String wrap(String code, String s) {
            return color ? "\033[" + code + "m" + s + "\033[0m" : s;
        }
    }
}
