package io.agentbox.server.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.FileInfo;
import io.agentbox.sandbox.Filesystem;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxFileException;
import io.agentbox.server.http.Json;
import io.javalin.http.Context;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * {@code filesystem.Filesystem} and the {@code /files} endpoints over the sandbox's {@code files()}.
 * Paths are absolute, or relative to the user's home ({@code ~} too), as in envd. {@code WatchDir}
 * compares directory listings a few times a second: the Sandbox API has no change notifications.
 */
final class EnvdFilesystem {
    private static final Duration WATCH_EVERY = Duration.ofMillis(200);
    private static final long KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int MAX_LIST_ENTRIES = 100_000;

    private final E2bSandboxes sandboxes;
    private final ScheduledExecutorService timers;
    private final long maxUploadBytes;

    EnvdFilesystem(E2bSandboxes sandboxes, ScheduledExecutorService timers, long maxUploadBytes) {
        this.sandboxes = sandboxes;
        this.timers = timers;
        this.maxUploadBytes = maxUploadBytes;
    }

    static String home(String user) {
        return user.equals("root") ? "/root" : ControlPlane.HOME;
    }

    /** envd's path rules: absolute as given, {@code ~} is the user's home, anything else is relative to it. */
    static String resolve(String path, String user) {
        String home = home(user);
        if (path == null || path.isEmpty() || path.equals("~")) return home;
        if (path.startsWith("~/")) return home + path.substring(1);
        if (path.startsWith("/")) return path;
        return home + "/" + path;
    }

    private static String path(ObjectNode req, String field, Envd.Target t) {
        JsonNode n = req.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) throw E2bError.badRequest("field '" + field + "' is required");
        if (n.asText().indexOf('\0') >= 0) throw E2bError.badRequest("field '" + field + "' is not a valid path");
        return resolve(n.asText(), t.user());
    }

    ObjectNode stat(Envd.Target t, ObjectNode req) {
        ObjectNode out = Json.object();
        out.set("entry", entry(t.sandbox().files().stat(path(req, "path", t))));
        return out;
    }

    ObjectNode listDir(Envd.Target t, ObjectNode req) {
        String dir = path(req, "path", t);
        int depth = req.path("depth").asInt(1);
        if (depth < 1) depth = 1;
        Filesystem files = t.sandbox().files();
        FileInfo root = files.stat(dir);
        if (!root.isDirectory()) throw E2bError.badRequest("path '" + dir + "' is not a directory");
        ObjectNode out = Json.object();
        ArrayNode entries = out.putArray("entries");
        walk(files, dir, depth, entries);
        return out;
    }

    private static void walk(Filesystem files, String dir, int depth, ArrayNode into) {
        for (FileInfo f : files.list(dir)) {
            if (into.size() >= MAX_LIST_ENTRIES) return;
            into.add(entry(f));
            if (depth > 1 && f.type() == FileInfo.Type.DIRECTORY) walk(files, f.path(), depth - 1, into);
        }
    }

    ObjectNode makeDir(Envd.Target t, ObjectNode req) {
        String dir = path(req, "path", t);
        Filesystem files = t.sandbox().files();
        if (files.exists(dir)) throw E2bError.conflict("directory '" + dir + "' already exists");
        files.mkdir(dir);
        ObjectNode out = Json.object();
        out.set("entry", entry(files.stat(dir)));
        return out;
    }

    ObjectNode move(Envd.Target t, ObjectNode req) {
        String from = path(req, "source", t);
        String to = path(req, "destination", t);
        Filesystem files = t.sandbox().files();
        files.stat(from);
        files.move(from, to);
        ObjectNode out = Json.object();
        out.set("entry", entry(files.stat(to)));
        return out;
    }

    ObjectNode remove(Envd.Target t, ObjectNode req) {
        String p = path(req, "path", t);
        Filesystem files = t.sandbox().files();
        if (!files.exists(p)) throw E2bError.notFound("path '" + p + "' does not exist");
        files.remove(p);
        return Json.object();
    }

    /** EntryInfo as protobuf's JSON mapping writes it. */
    static ObjectNode entry(FileInfo f) {
        ObjectNode o = Json.object();
        o.put("name", f.name());
        o.put("type", switch (f.type()) {
            case DIRECTORY -> "FILE_TYPE_DIRECTORY";
            case SYMLINK -> "FILE_TYPE_SYMLINK";
            default -> "FILE_TYPE_FILE";
        });
        o.put("path", f.path());
        o.put("size", Long.toString(f.size()));
        int perm = f.mode() & 0777;
        o.put("mode", perm);
        o.put("permissions", permissions(f.type(), perm));
        o.put("owner", "user");
        o.put("group", "user");
        o.put("modifiedTime", f.modifiedAt().toString());
        f.symlinkTarget().ifPresent(s -> o.put("symlinkTarget", s));
        return o;
    }

    private static String permissions(FileInfo.Type type, int perm) {
        StringBuilder s = new StringBuilder(switch (type) {
            case DIRECTORY -> "d";
            case SYMLINK -> "L";
            default -> "-";
        });
        String rwx = "rwx";
        for (int i = 8; i >= 0; i--) s.append((perm & (1 << i)) != 0 ? rwx.charAt((8 - i) % 3) : '-');
        return s.toString();
    }

    static E2bError fileError(SandboxFileException e) {
        return switch (e.reason()) {
            case NOT_FOUND -> E2bError.notFound(e.getMessage());
            case ALREADY_EXISTS -> E2bError.conflict(e.getMessage());
            case NOT_A_DIRECTORY, IS_A_DIRECTORY, OTHER -> E2bError.badRequest(e.getMessage());
            case REFUSED, PERMISSION_DENIED -> E2bError.forbidden(e.getMessage());
            case NO_SPACE -> new E2bError(507, "resource_exhausted", e.getMessage());
            case TOO_LARGE -> E2bError.tooLarge(e.getMessage());
        };
    }

    /** {@code WatchDir}: {@code start}, then one event per change seen, until the client goes or the sandbox ends. */
    void watch(Envd.Target t, ObjectNode req, ConnectStream stream) {
        String dir = path(req, "path", t);
        boolean recursive = req.path("recursive").asBoolean(false);
        Filesystem files = t.sandbox().files();
        if (!files.stat(dir).isDirectory()) throw E2bError.badRequest("path '" + dir + "' is not a directory");
        Map<String, FileInfo> before = snapshot(files, dir, recursive);
        ObjectNode start = Json.object();
        start.putObject("start");
        stream.open(start);
        ObjectNode keepalive = Json.object();
        keepalive.putObject("keepalive");
        while (true) {
            try {
                Thread.sleep(WATCH_EVERY);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (!stream.keepalive(keepalive, KEEPALIVE_NANOS)) return;
            Map<String, FileInfo> now;
            try {
                now = snapshot(files, dir, recursive);
            } catch (SandboxFileException e) {
                stream.fail("not_found", "the watched directory '" + dir + "' was removed");
                return;
            } catch (SandboxException e) {
                sandboxes.gone(t.id());
                stream.fail("unavailable", "sandbox " + t.id() + " is not running");
                return;
            }
            for (Map.Entry<String, FileInfo> e : now.entrySet()) {
                FileInfo old = before.get(e.getKey());
                if (old == null) stream.send(event(dir, e.getValue(), "EVENT_TYPE_CREATE"));
                else if (old.size() != e.getValue().size() || !old.modifiedAt().equals(e.getValue().modifiedAt())) {
                    stream.send(event(dir, e.getValue(), "EVENT_TYPE_WRITE"));
                } else if (old.mode() != e.getValue().mode()) {
                    stream.send(event(dir, e.getValue(), "EVENT_TYPE_CHMOD"));
                }
            }
            for (Map.Entry<String, FileInfo> e : before.entrySet()) {
                if (!now.containsKey(e.getKey())) stream.send(event(dir, e.getValue(), "EVENT_TYPE_REMOVE"));
            }
            if (stream.broken()) return;
            before = now;
        }
    }

    private static ObjectNode event(String dir, FileInfo f, String type) {
        ObjectNode o = Json.object();
        String rel = f.path().startsWith(dir + "/") ? f.path().substring(dir.length() + 1) : f.name();
        o.putObject("filesystem").put("name", rel).put("type", type);
        return o;
    }

    private static Map<String, FileInfo> snapshot(Filesystem files, String dir, boolean recursive) {
        Map<String, FileInfo> out = new HashMap<>();
        collect(files, dir, recursive, out);
        return out;
    }

    private static void collect(Filesystem files, String dir, boolean recursive, Map<String, FileInfo> out) {
        for (FileInfo f : files.list(dir)) {
            if (out.size() >= MAX_LIST_ENTRIES) return;
            out.put(f.path(), f);
            if (recursive && f.type() == FileInfo.Type.DIRECTORY) {
                try {
                    collect(files, f.path(), true, out);
                } catch (SandboxFileException gone) {
                    // removed between the listing and now; the next round sees it
                }
            }
        }
    }

    void download(Context ctx, Envd.Target t) throws IOException {
        String p = resolve(Optional.ofNullable(ctx.queryParam("path")).orElse(""), t.user());
        Filesystem files = t.sandbox().files();
        FileInfo info;
        try {
            info = files.stat(p);
        } catch (SandboxFileException e) {
            throw fileError(e);
        }
        if (info.isDirectory()) throw E2bError.badRequest("path '" + p + "' is a directory");
        ctx.status(200);
        ctx.contentType("application/octet-stream");
        ctx.header("Content-Length", Long.toString(info.size()));
        try (InputStream in = files.openRead(p)) {
            OutputStream out = ctx.res().getOutputStream();
            in.transferTo(out);
            out.flush();
        } catch (SandboxFileException e) {
            throw fileError(e);
        }
    }

    /**
     * {@code POST /files}: multipart (one part per file; with no {@code path} query each part's file name
     * is its target) or a raw {@code application/octet-stream} body for {@code path}, gzip allowed.
     */
    void upload(Context ctx, Envd.Target t) throws IOException {
        String type = Optional.ofNullable(ctx.contentType()).orElse("");
        Optional<String> target = Optional.ofNullable(ctx.queryParam("path")).filter(s -> !s.isEmpty());
        Filesystem files = t.sandbox().files();
        ArrayNode written = Json.array();
        try {
            if (type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
                byte[] body = E2bApi.readBounded(ctx, maxUploadBytes);
                List<Multipart.Part> parts = Multipart.parse(body, Multipart.boundary(type)
                        .orElseThrow(() -> E2bError.badRequest("multipart body without a boundary")));
                for (Multipart.Part part : parts) {
                    if (!part.isFile()) continue;
                    String name = target.filter(x -> parts.size() == 1).or(part::fileName)
                            .orElseThrow(() -> E2bError.badRequest("a file part has no file name and the request no path"));
                    String p = resolve(name, t.user());
                    files.write(p, part.content());
                    written.add(written(p));
                }
            } else {
                String p = resolve(target.orElseThrow(() -> E2bError.badRequest("query parameter 'path' is required")), t.user());
                InputStream in = new BoundedInputStream(ctx.req().getInputStream(), maxUploadBytes);
                if ("gzip".equalsIgnoreCase(ctx.header("Content-Encoding"))) in = new GZIPInputStream(in);
                files.write(p, in);
                written.add(written(p));
            }
        } catch (SandboxFileException e) {
            throw fileError(e);
        }
        if (written.isEmpty()) throw E2bError.badRequest("the request has no file");
        E2bApi.json(ctx, 200, written);
    }

    private static ObjectNode written(String p) {
        String name = p.substring(p.lastIndexOf('/') + 1);
        return Json.object().put("name", name).put("type", "file").put("path", p);
    }

    /** Fails the upload once it passes the limit, without reading the rest. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private final long limit;
        private long read;

        BoundedInputStream(InputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0 && ++read > limit) throw E2bError.tooLarge("upload exceeds the limit of " + limit + " bytes");
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0 && (read += n) > limit) throw E2bError.tooLarge("upload exceeds the limit of " + limit + " bytes");
            return n;
        }
    }

    /** A minimal multipart/form-data reader (the JDK has none, and Jetty's rewrites file names that carry paths). */
    static final class Multipart {
        record Part(Map<String, String> headers, Optional<String> name, Optional<String> fileName, byte[] content) {
            boolean isFile() {
                return fileName.isPresent() || name.filter("file"::equals).isPresent();
            }
        }

        static Optional<String> boundary(String contentType) {
            for (String piece : contentType.split(";")) {
                String s = piece.trim();
                if (s.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                    String b = s.substring(9);
                    if (b.startsWith("\"") && b.endsWith("\"") && b.length() >= 2) b = b.substring(1, b.length() - 1);
                    return Optional.of(b).filter(x -> !x.isEmpty());
                }
            }
            return Optional.empty();
        }

        static List<Part> parse(byte[] body, String boundary) {
            byte[] delim = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
            List<Part> parts = new ArrayList<>();
            int pos = indexOf(body, delim, 0);
            if (pos < 0) throw E2bError.badRequest("multipart body without its boundary");
            while (true) {
                int after = pos + delim.length;
                if (after + 1 < body.length && body[after] == '-' && body[after + 1] == '-') break;
                int headersStart = skipCrlf(body, after);
                int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headersStart);
                if (headersEnd < 0) throw E2bError.badRequest("malformed multipart part headers");
                Map<String, String> headers = new LinkedHashMap<>();
                for (String line : new String(body, headersStart, headersEnd - headersStart, StandardCharsets.UTF_8).split("\r\n")) {
                    int colon = line.indexOf(':');
                    if (colon > 0) headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                }
                int contentStart = headersEnd + 4;
                byte[] next = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
                int contentEnd = indexOf(body, next, contentStart);
                if (contentEnd < 0) throw E2bError.badRequest("multipart part without its closing boundary");
                byte[] content = java.util.Arrays.copyOfRange(body, contentStart, contentEnd);
                String disposition = headers.getOrDefault("content-disposition", "");
                parts.add(new Part(headers, param(disposition, "name"), param(disposition, "filename"), content));
                pos = contentEnd + 2;
            }
            return parts;
        }

        private static Optional<String> param(String header, String name) {
            for (String piece : header.split(";")) {
                String s = piece.trim();
                if (s.startsWith(name + "=")) {
                    String v = s.substring(name.length() + 1);
                    if (v.startsWith("\"") && v.endsWith("\"") && v.length() >= 2) v = v.substring(1, v.length() - 1).replace("\\\"", "\"");
                    return Optional.of(v);
                }
            }
            return Optional.empty();
        }

        private static int skipCrlf(byte[] b, int i) {
            return i + 1 < b.length && b[i] == '\r' && b[i + 1] == '\n' ? i + 2 : i;
        }

        private static int indexOf(byte[] hay, byte[] needle, int from) {
            outer:
            for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
                for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
                return i;
            }
            return -1;
        }
    }

}
