package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.FileInfo;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Read: a file with line numbers like {@code cat -n}, a window of it with offset/limit. */
final class ReadTool extends SandboxTool {
    static final int DEFAULT_LIMIT = 2000;
    static final int MAX_LINE = 2000;
    private static final int BINARY_PROBE = 8192;
    /** How far Read scans for the lines asked for, at most; past it Bash's tail or sed serve better. */
    static final long MAX_SCAN_CHARS = 256L << 20;

    /** Lines of at most MAX_LINE characters (the rest of a longer one is skipped, {@link #cut}); stops at a NUL or the scan bound. */
    private static final class BoundedLines {
        private final Reader in;
        private final char[] buf = new char[8192];
        private int pos;
        private int len;
        private long scanned;
        boolean cut;
        boolean binary;
        boolean tooFar;

        BoundedLines(Reader in) {
            this.in = in;
        }

        /** The next line without its newline, or null at the end (or at a NUL, or past the scan bound). */
        String next() throws IOException {
            StringBuilder sb = new StringBuilder();
            cut = false;
            boolean any = false;
            while (true) {
                if (pos == len) {
                    if (binary || tooFar) return null;
                    len = in.read(buf);
                    pos = 0;
                    if (len < 0) {
                        len = 0;
                        return any ? sb.toString() : null;
                    }
                    scanned += len;
                    if (scanned > MAX_SCAN_CHARS) {
                        tooFar = true;
                        return null;
                    }
                }
                char c = buf[pos++];
                any = true;
                if (c == '\n') return sb.toString();
                if (c == 0) {
                    binary = true;
                    return null;
                }
                if (sb.length() < MAX_LINE) sb.append(c);
                else cut = true;
            }
        }
    }

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
            // Bounded lines: one 8 GB line (a sparse file behind a text prefix) costs MAX_LINE characters of memory.
            BoundedLines lines = new BoundedLines(new InputStreamReader(raw, StandardCharsets.UTF_8));
            String line;
            while ((line = lines.next()) != null) {
                lineNo++;
                if (lineNo < offset) continue;
                if (lineNo >= offset + limit || out.length() > MAX_OUTPUT_CHARS * 8) {
                    more = true;
                    break;
                }
                if (lines.cut) line += "... [line truncated]";
                out.append(String.format("%6d\t", lineNo)).append(line).append('\n');
            }
            if (lines.binary) {
                return ToolOutput.error("This tool cannot read binary files: " + path + " (" + info.size()
                        + " bytes) has NUL bytes past its start. Use Bash (e.g. `file`, `xxd | head`) to inspect it.");
            }
            if (lines.tooFar) {
                if (out.isEmpty()) {
                    return ToolOutput.error("Stopped reading " + path + " after " + (MAX_SCAN_CHARS >> 20) + " MiB before line " + offset
                            + "; use Bash (e.g. `tail`, `sed -n`) for a file this large.");
                }
                more = true;
                lineNo++;
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
