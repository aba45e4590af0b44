package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;

/** Write: creates or replaces a file (parent directories are created). */
final class WriteTool extends SandboxTool {
    WriteTool() {
        super("Write", ToolAccess.EDIT, """
                Writes a file to the sandbox's filesystem, replacing it if it exists and creating missing parent
                directories. Prefer Edit for changes to an existing file.""",
                Schema.object()
                        .string("file_path", true, "The absolute path to the file to write (must be absolute, not relative)")
                        .string("content", true, "The content to write to the file"));
    }

    @Override
    public Optional<String> ruleSubject(JsonNode input) {
        return subject(input, "file_path");
    }

    @Override
    ToolOutput run(JsonNode input, ToolContext ctx) {
        String path = ctx.resolve(Schema.requireString(input, "file_path"));
        String content = Schema.requireString(input, "content");
        boolean existed = ctx.sandbox().files().exists(path);
        ctx.sandbox().files().write(path, content);
        return ToolOutput.ok(existed ? "The file " + path + " has been updated." : "File created successfully at: " + path);
    }
}
