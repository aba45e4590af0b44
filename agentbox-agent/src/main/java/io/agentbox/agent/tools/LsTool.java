package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.FileInfo;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** LS: the entries of a directory, through the sandbox's file API. */
final class LsTool extends SandboxTool {
    static final int MAX_ENTRIES = 1000;

    LsTool() {
        super("LS", ToolAccess.READ, """
                Lists the files and directories in a directory (not recursive). Directories end with "/". \
                Optionally ignore entries matching glob patterns.""",
                Schema.object()
                        .string("path", true, "The absolute path to the directory to list (must be absolute, not relative)")
                        .property("ignore", ignoreSchema(), false));
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode ignoreSchema() {
        var s = io.agentbox.agent.event.Events.mapper().createObjectNode();
        s.put("type", "array");
        s.putObject("items").put("type", "string");
        s.put("description", "List of glob patterns to ignore");
        return s;
    }

    @Override
    public Optional<String> ruleSubject(JsonNode input) {
        return directorySubject(input);
    }

    @Override
    ToolOutput run(JsonNode input, ToolContext ctx) {
        String path = ctx.resolve(Schema.optString(input, "path").orElse(ctx.cwd()));
        List<PathMatcher> ignore = new ArrayList<>();
        for (JsonNode g : input.path("ignore")) ignore.add(FileSystems.getDefault().getPathMatcher("glob:" + g.asText()));
        List<FileInfo> entries = ctx.sandbox().files().list(path);
        StringBuilder out = new StringBuilder("- ").append(path.endsWith("/") ? path : path + "/").append('\n');
        int shown = 0;
        for (FileInfo f : entries) {
            if (ignore.stream().anyMatch(m -> m.matches(Path.of(f.name())))) continue;
            if (shown++ == MAX_ENTRIES) {
                out.append("  [... more entries not shown; the directory has ").append(entries.size()).append(" ...]\n");
                break;
            }
            out.append("  - ").append(f.name()).append(f.isDirectory() ? "/" : "")
                    .append(f.type() == FileInfo.Type.SYMLINK ? " -> " + f.symlinkTarget().orElse("?") : "").append('\n');
        }
        if (shown == 0) out.append("  (empty)\n");
        return ToolOutput.ok(out.toString().stripTrailing());
    }
}
