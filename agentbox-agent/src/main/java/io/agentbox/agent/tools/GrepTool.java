package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Grep: ripgrep ({@code rg}) in the sandbox, called with an argv (never a shell string). */
final class GrepTool extends SandboxTool {
    GrepTool() {
        super("Grep", ToolAccess.READ, """
                A search tool built on ripgrep. Supports full regex syntax (e.g. "log.*Error", "function\\\\s+\\\\w+"). \
                Filter files with glob (e.g. "*.js") or type (e.g. "py"). output_mode: "content" shows matching \
                lines (with -A/-B/-C context and -n line numbers), "files_with_matches" shows file paths (default), \
                "count" shows match counts. Use multiline for patterns that span lines.""",
                Schema.object()
                        .string("pattern", true, "The regular expression pattern to search for in file contents")
                        .string("path", false, "File or directory to search in. Defaults to the current working directory.")
                        .string("glob", false, "Glob pattern to filter files (e.g. \"*.js\", \"*.{ts,tsx}\")")
                        .enumeration("output_mode", List.of("content", "files_with_matches", "count"),
                                "Output mode: content, files_with_matches (default) or count")
                        .number("-B", false, "Number of lines to show before each match (content mode)")
                        .number("-A", false, "Number of lines to show after each match (content mode)")
                        .number("-C", false, "Number of lines to show before and after each match (content mode)")
                        .bool("-n", "Show line numbers in output (content mode)")
                        .bool("-i", "Case insensitive search")
                        .string("type", false, "File type to search (rg --type), e.g. js, py, rust, go, java")
                        .number("head_limit", false, "Limit output to the first N lines/entries")
                        .bool("multiline", "Enable multiline mode where . matches newlines and patterns can span lines"));
    }

    @Override
    public Optional<String> ruleSubject(JsonNode input) {
        return directorySubject(input);
    }

    @Override
    ToolOutput run(JsonNode input, ToolContext ctx) {
        String pattern = Schema.requireString(input, "pattern");
        String path = ctx.resolve(Schema.optString(input, "path").orElse(ctx.cwd()));
        String mode = Schema.optString(input, "output_mode").orElse("files_with_matches");
        List<String> argv = new ArrayList<>(List.of("rg", "--no-config", "--color=never", "--hidden", "--glob", "!.git"));
        switch (mode) {
            case "files_with_matches" -> argv.add("--files-with-matches");
            case "count" -> argv.add("--count-matches");
            case "content" -> {
                if (Schema.optBool(input, "-n")) argv.add("--line-number"); else argv.add("--no-line-number");
                for (String flag : List.of("-A", "-B", "-C")) {
                    Optional<Long> n = Schema.optLong(input, flag);
                    if (n.isPresent()) { argv.add(flag); argv.add(String.valueOf(Math.max(0, n.get()))); }
                }
            }
            default -> { return ToolOutput.error("InputValidationError: output_mode must be content, files_with_matches or count"); }
        }
        if (Schema.optBool(input, "-i")) argv.add("--ignore-case");
        if (Schema.optBool(input, "multiline")) { argv.add("--multiline"); argv.add("--multiline-dotall"); }
        Schema.optString(input, "glob").ifPresent(g -> { argv.add("--glob"); argv.add(g); });
        Schema.optString(input, "type").ifPresent(t -> { argv.add("--type"); argv.add(t); });
        argv.add("--regexp");
        argv.add(pattern);
        argv.add("--");
        argv.add(path);
        CommandResult r = ctx.run(Command.builder(argv).timeout(Duration.ofSeconds(60)).outputLimit(4 * 1024 * 1024).build());
        if (r.exitCode() == 127) {
            return ToolOutput.error("Grep needs ripgrep (rg) in the sandbox, and this sandbox has none. Use Bash with grep -rn instead.");
        }
        if (r.exitCode() == 1) return ToolOutput.ok(mode.equals("count") ? "No matches found (0 matches)" : "No matches found");
        if (r.exitCode() != 0) return ToolOutput.error("Grep failed: " + r.stderr().strip());
        List<String> lines = r.stdout().lines().toList();
        Optional<Long> head = Schema.optLong(input, "head_limit");
        boolean limited = head.isPresent() && head.get() >= 0 && lines.size() > head.get();
        if (limited) lines = lines.subList(0, (int) (long) head.get());
        String out = String.join("\n", lines);
        if (mode.equals("files_with_matches")) out = "Found " + lines.size() + " file" + (lines.size() == 1 ? "" : "s") + "\n" + out;
        if (limited) out += "\n[Showing the first " + head.get() + " results (head_limit)]";
        return ToolOutput.ok(cap(out, MAX_OUTPUT_CHARS));
    }
}
