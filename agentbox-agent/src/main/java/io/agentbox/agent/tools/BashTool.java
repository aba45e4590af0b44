package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandHandle;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.ExitReason;
import io.agentbox.sandbox.SandboxFileException;

import java.time.Duration;
import java.util.Optional;

/**
 * Bash: runs a command with {@code bash -c} in the sandbox. The working directory carries over
 * between calls like in a shell. The command travels as an argument of a fixed wrapper script,
 * never spliced into other shell text.
 */
final class BashTool extends SandboxTool {
    static final long DEFAULT_TIMEOUT_MS = 120_000;
    static final long MAX_TIMEOUT_MS = 600_000;
    /**
     * Runs $1 and records the directory it ended in to $2, even when the command calls exit. The
     * path is fixed into the trap when it is set: the command may reset the positional parameters.
     */
    private static final String WRAPPER = "trap \"pwd -P > $(printf %q \"$2\") 2>/dev/null\" EXIT\neval \"$1\"";
    /** Runs $1 in the background with its output in the file $2. */
    private static final String BACKGROUND = "exec > \"$2\" 2>&1 < /dev/null\neval \"$1\"";

    BashTool() {
        super("Bash", ToolAccess.EXECUTE, """
                Executes a bash command in the sandbox and returns its output (stdout, then stderr). The working \
                directory persists between commands (cd works). timeout is in milliseconds (default 120000, at \
                most 600000). Output beyond 30000 characters is truncated. With run_in_background the command \
                keeps running and its output goes to a log file you can read later.""",
                Schema.object()
                        .string("command", true, "The command to execute")
                        .number("timeout", false, "Optional timeout in milliseconds (max 600000)")
                        .string("description", false, "Clear, concise description of what this command does in 5-10 words")
                        .bool("run_in_background", "Set to true to run this command in the background"));
    }

    @Override
    public Optional<String> ruleSubject(JsonNode input) {
        return subject(input, "command");
    }

    @Override
    ToolOutput run(JsonNode input, ToolContext ctx) {
        String command = Schema.requireString(input, "command");
        long timeoutMs = Math.min(MAX_TIMEOUT_MS, Math.max(1, Schema.optLong(input, "timeout").orElse(DEFAULT_TIMEOUT_MS)));
        String id = ctx.toolUseId().replaceAll("[^A-Za-z0-9_-]", "");
        String cwd = ctx.sandbox().files().exists(ctx.cwd()) ? ctx.cwd() : ctx.sandbox().info().workdir();
        if (Schema.optBool(input, "run_in_background")) {
            String log = "/tmp/agentbox-bash-" + id + ".log";
            CommandHandle h = ctx.start(Command.builder("/bin/bash", "-c", BACKGROUND, "bash", command, log).cwd(cwd).build());
            return ToolOutput.ok("Command running in the background (pid " + h.pid() + "). Its output goes to " + log
                    + "; read it with Read or `tail " + log + "`, stop it with `kill " + h.pid() + "`.");
        }
        String cwdFile = "/tmp/.agentbox-cwd-" + id;
        CommandResult r = ctx.run(Command.builder("/bin/bash", "-c", WRAPPER, "bash", command, cwdFile)
                .cwd(cwd).timeout(Duration.ofMillis(timeoutMs)).outputLimit(1024 * 1024).build());
        try {
            // the shell writes one path here, but the command could have put anything in its place
            String newCwd = ctx.sandbox().files().readText(cwdFile, 64 * 1024).strip();
            if (newCwd.startsWith("/")) ctx.cwd(newCwd);
            ctx.sandbox().files().remove(cwdFile);
        } catch (SandboxFileException ignored) {
            // the shell was killed before it could record its directory (or it is no path): keep the old one
        }
        StringBuilder out = new StringBuilder(r.stdout());
        String err = r.stderr();
        if (!err.isEmpty()) {
            if (!out.isEmpty() && out.charAt(out.length() - 1) != '\n') out.append('\n');
            out.append(err);
        }
        if (r.stdoutTruncated() || r.stderrTruncated()) out.append("\n[output over 1 MiB was dropped]");
        String text = cap(out.toString().stripTrailing(), MAX_OUTPUT_CHARS);
        if (r.reason() == ExitReason.TIMEOUT) {
            return ToolOutput.error(text + (text.isEmpty() ? "" : "\n") + "Command timed out after " + timeoutMs + " ms and was killed.");
        }
        if (r.reason() == ExitReason.KILLED || r.reason() == ExitReason.OOM) {
            return ToolOutput.error(text + (text.isEmpty() ? "" : "\n") + "Command " + r.limitMessage().orElse("killed"));
        }
        if (r.exitCode() != 0) return ToolOutput.error(text + (text.isEmpty() ? "" : "\n") + "Exit code " + r.exitCode());
        return ToolOutput.ok(text.isEmpty() ? "(no output)" : text);
    }
}
