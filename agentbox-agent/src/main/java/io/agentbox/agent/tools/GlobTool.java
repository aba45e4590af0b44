package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;

import java.time.Duration;
import java.util.Optional;

/** Glob: files matching a pattern such as {@code **}{@code /*.py}, newest first. Runs a fixed Python script in the sandbox. */
final class GlobTool extends SandboxTool {
    static final int MAX_FILES = 100;
    private static final String SCRIPT = """
            import glob, os, sys
            pattern, root = sys.argv[1], sys.argv[2]
            if not os.path.isdir(root):
                print("Directory does not exist: " + root, file=sys.stderr); sys.exit(2)
            os.chdir(root)
            try:
                found = glob.glob(pattern, recursive=True, include_hidden=True)
            except TypeError:
                found = glob.glob(pattern, recursive=True)
            files = [os.path.normpath(os.path.join(root, p)) for p in found if os.path.isfile(p)]
            files.sort(key=lambda p: (-os.path.getmtime(p), p))
            for p in files[:int(sys.argv[3]) + 1]:
                print(p)
            """;

    GlobTool() {
        super("Glob", ToolAccess.READ, """
                Fast file pattern matching. Supports glob patterns like "**/*.js" or "src/**/*.ts". Returns \
                matching file paths sorted by modification time (newest first), at most 100.""",
                Schema.object()
                        .string("pattern", true, "The glob pattern to match files against")
                        .string("path", false, "The directory to search in. Defaults to the current working directory."));
    }

    @Override
    public Optional<String> ruleSubject(JsonNode input) {
        return directorySubject(input);
    }

    @Override
    ToolOutput run(JsonNode input, ToolContext ctx) {
        String pattern = Schema.requireString(input, "pattern");
        String root = ctx.resolve(Schema.optString(input, "path").orElse(ctx.cwd()));
        CommandResult r = ctx.run(Command.builder("python3", "-c", SCRIPT, pattern, root, String.valueOf(MAX_FILES))
                .timeout(Duration.ofSeconds(60)).build());
        if (r.exitCode() == 127) return ToolOutput.error("Glob needs python3 in the sandbox, and this sandbox has none. Use Bash with find instead.");
        if (!r.isSuccess()) return ToolOutput.error(r.stderr().strip().isEmpty() ? "Glob failed (exit " + r.exitCode() + ")" : r.stderr().strip());
        String[] lines = r.stdout().lines().toArray(String[]::new);
        if (lines.length == 0) return ToolOutput.ok("No files found");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(lines.length, MAX_FILES); i++) out.append(lines[i]).append('\n');
        if (lines.length > MAX_FILES) out.append("(Results are truncated. Consider using a more specific path or pattern.)\n");
        return ToolOutput.ok(out.toString().stripTrailing());
    }
}
