package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.FileInfo;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Read: a file with line numbers like {@code cat -n}, a window of it with offset/limit. */
final class ReadTool extends SandboxTool {
    static final int DEFAULT_LIMIT = 2000;
    static final int MAX_LINE = 2000;
    private static final int BINARY_PROBE = 8192;

    ReadTool() {
        super("Read", ToolAccess.READ, """
                Reads a file from the sandbox's filesystem. Lines are numbered like `cat -n`, starting at 1.
                By default up to 2000 lines from the start are read; use offset (first line number) and limit
                (number of lines) for long files. Lines longer than 2000 characters are truncated. Binary files
                are detected and not dumped.""",
                Schema.object()
                        .string("file_path", true, "The absolute path to the file to read")
                        .number("offset", false, "The line number to start reading from. Only provide if the file is too large to read at once")
                        .number("limit", false, "The number of lines to read. Only provide if the file is too large to read at once"));
    }

    @Override
    public Optional<String> ruleSubject(JsonNode input) {
        return subject(input, "file_path");
    }

    @Override
    ToolOutput run(JsonNode input, ToolContext ctx) {
        String path = ctx.resolve(Schema.requireString(input, "file_path"));
        long offset = Math.max(1, Schema.optLong(input, "offset").orElse(1L));
        long limit = Schema.optLong(input, "limit").orElse((long) DEFAULT_LIMIT);
        if (limit < 1) return ToolOutput.error("limit must be at least 1");
        FileInfo info = ctx.sandbox().files().stat(path);
        if (info.isDirectory()) return ToolOutput.error(path + " is a directory, not a file (use LS to list it)");
        if (info.size() == 0) return ToolOutput.ok("<system-reminder>The file " + path + " exists but is empty.</system-reminder>");
        StringBuilder out = new StringBuilder();
        long lineNo = 0;
        boolean more = false;
        try (InputStream raw = new BufferedInputStream(ctx.sandbox().files().openRead(path))) {
            raw.mark(BINARY_PROBE);
            byte[] probe = raw.readNBytes(BINARY_PROBE);
            for (byte b : probe) {
                if (b == 0) {
                    return ToolOutput.error("This tool cannot read binary files: " + path + " (" + info.size()
                            + " bytes) looks binary. Use Bash (e.g. `file`, `xxd | head`) to inspect it.");
                }
            }
            raw.reset();
            BufferedReader reader = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (lineNo < offset) continue;
                if (lineNo >= offset + limit || out.length() > MAX_OUTPUT_CHARS * 8) {
                    more = true;
                    break;
                }
                if (line.length() > MAX_LINE) line = line.substring(0, MAX_LINE) + "... [line truncated]";
                out.append(String.format("%6d\t", lineNo)).append(line).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (out.isEmpty()) {
            return ToolOutput.error("The file " + path + " has only " + lineNo + " lines; offset " + offset + " is past its end.");
        }
        if (more) {
            out.append("\n[File truncated: showed lines ").append(offset).append('-').append(lineNo - 1)
                    .append(". Use offset and limit to read more.]\n");
        }
        return ToolOutput.ok(out.toString());
    }
}
