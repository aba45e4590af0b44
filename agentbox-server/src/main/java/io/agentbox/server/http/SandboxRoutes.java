package io.agentbox.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.FileInfo;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.OutputListener;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxFileException;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.runs.RunService;
import io.agentbox.server.sandboxes.RawSandboxes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code /v1/sandboxes}: the raw sandbox API over HTTP (create, exec with streamed output, files, kill). */
public final class SandboxRoutes {
    private static final Duration MAX_LIFETIME = Duration.ofHours(24);

    private final RawSandboxes sandboxes;
    private final RunService runs;
    private final long maxUploadBytes;

    public SandboxRoutes(RawSandboxes sandboxes, RunService runs, long maxUploadBytes) {
        this.sandboxes = sandboxes;
        this.runs = runs;
        this.maxUploadBytes = maxUploadBytes;
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.post("/v1/sandboxes", "createSandbox", "Create a sandbox").tag("sandboxes")
                        .body(Schema.object()
                                .prop("workspaceId", Schema.string())
                                .prop("template", Schema.string().max(100).description("default host"))
                                .prop("timeout", Schema.string().description("lifetime, e.g. 10m (default 5m, at most 24h)"))
                                .prop("network", Networks.schema())
                                .prop("secrets", Networks.secretsSchema())
                                .prop("auditAll", Schema.bool())
                                .prop("env", Schema.mapOf(Schema.string()))
                                .prop("metadata", Schema.mapOf(Schema.string()))
                                .prop("cpus", Schema.number())
                                .prop("memoryMb", Schema.integer())
                                .prop("pids", Schema.integer())
                                .prop("diskMb", Schema.integer()))
                        .returns(201, "The sandbox", Schema.ref("Sandbox"))
                        .handle(this::create),
                ApiRoute.get("/v1/sandboxes", "listSandboxes", "Live sandboxes of a workspace").tag("sandboxes")
                        .query("workspaceId", Schema.string(), "default: the caller's first workspace")
                        .returns(200, "Sandboxes", Schema.ref("SandboxList"))
                        .handle(c -> {
                            String ws = runs.targetWorkspace(c.caller(), c.query("workspaceId"));
                            var out = Json.object();
                            var data = out.putArray("data");
                            sandboxes.list(c.caller(), ws).forEach(s -> data.add(Views.sandbox(s)));
                            out.putNull("nextCursor");
                            c.json(200, out);
                        }),
                ApiRoute.get("/v1/sandboxes/{id}", "getSandbox", "A sandbox").tag("sandboxes")
                        .returns(200, "The sandbox", Schema.ref("Sandbox"))
                        .handle(c -> c.json(200, Views.sandbox(sandboxes.get(c.caller(), c.path("id"))))),
                ApiRoute.post("/v1/sandboxes/{id}/exec", "execInSandbox", "Run a command; output streams as JSON lines (its creator, or an admin or owner)").tag("sandboxes")
                        .body(Schema.object()
                                .prop("command", Schema.arrayOf(Schema.string()).description("argv; or give shell"))
                                .prop("shell", Schema.string().description("a bash script; or give command"))
                                .prop("cwd", Schema.string())
                                .prop("env", Schema.mapOf(Schema.string()))
                                .prop("timeout", Schema.string().description("e.g. 30s"))
                                .prop("stdin", Schema.string())
                                .prop("stream", Schema.bool().description("false: one JSON result at the end (default true)")))
                        .returns(200, "application/x-ndjson lines {type: stdout|stderr, data} then {type: exit, exitCode, reason, durationMs, …}; "
                                + "or one CommandResult with stream=false", "application/x-ndjson")
                        .handle(this::exec),
                ApiRoute.get("/v1/sandboxes/{id}/files", "readSandboxFile", "Download a file, or list a directory as JSON (its creator, or an admin or owner)").tag("sandboxes")
                        .query("path", Schema.string(), "absolute, or relative to /workspace")
                        .returns(200, "The file's bytes, or {data: [FileInfo]} for a directory", "application/octet-stream")
                        .handle(this::download),
                ApiRoute.post("/v1/sandboxes/{id}/files", "writeSandboxFile", "Upload a file, the raw request body (its creator, or an admin or owner)").tag("sandboxes")
                        .query("path", Schema.string(), "absolute, or relative to /workspace")
                        .rawBody("application/octet-stream")
                        .returns(201, "{path, size}", Schema.anyObject())
                        .returns(413, "The file exceeds the upload limit", Schema.ref("Error"))
                        .handle(this::upload),
                ApiRoute.put("/v1/sandboxes/{id}/network", "setSandboxNetwork", "Change a sandbox's network policy; new connections follow it within a second (its creator, or an admin or owner)").tag("sandboxes")
                        .body(Schema.object().prop("mode", Schema.enumOf("none", "open", "allow"))
                                .prop("allow", Schema.arrayOf(Schema.string())).prop("deny", Schema.arrayOf(Schema.string())))
                        .returns(200, "{id, network}", Schema.anyObject())
                        .handle(this::setNetwork),
                ApiRoute.get("/v1/sandboxes/{id}/audit", "sandboxAudit", "The sandbox's network audit: refusals, and with auditAll every connection").tag("sandboxes")
                        .returns(200, "{data: [{ts, kind, host, ip, port, protocol, decision, reason}]}", Schema.anyObject())
                        .handle(this::audit),
                ApiRoute.delete("/v1/sandboxes/{id}", "killSandbox", "Kill a sandbox (its creator, or an admin or owner)").tag("sandboxes")
                        .noContent("Killed")
                        .handle(c -> {
                            sandboxes.kill(c.caller(), c.path("id"));
                            c.noContent();
                        }));
    }

    private void create(Call c) {
        JsonBody b = c.body();
        String ws = runs.targetWorkspace(c.caller(), b.string("workspaceId", 100));
        SandboxSpec.Builder spec = SandboxSpec.builder();
        RunOptions.template(b).ifPresent(spec::template);
        b.string("timeout", 20).ifPresent(t -> spec.timeout(duration("timeout", t, MAX_LIFETIME)));
        Networks.policy(b.node().get("network"), "network").ifPresent(spec::network);
        spec.secrets(Networks.secrets(b.node().get("secrets"), "secrets"));
        b.bool("auditAll").ifPresent(spec::auditAll);
        b.stringMap("env", 100, 10_000).ifPresent(spec::env);
        b.stringMap("metadata", 50, 500).ifPresent(m -> {
            if (m.keySet().stream().anyMatch(k -> k.startsWith("agentbox."))) {
                throw ApiException.invalidField("metadata", "keys starting with 'agentbox.' are reserved");
            }
            spec.metadata(m);
        });
        b.number("cpus", 0.1, 64).ifPresent(spec::cpus);
        b.integer("memoryMb", 16, 1 << 20).ifPresent(spec::memoryMb);
        b.integer("pids", 8, 1 << 20).ifPresent(v -> spec.pids(v.intValue()));
        b.integer("diskMb", 1, 1 << 22).ifPresent(spec::diskMb);
        SandboxSpec built;
        try {
            built = spec.build();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        c.json(201, Views.sandbox(sandboxes.create(c.caller(), ws, built)));
    }

    private void setNetwork(Call c) {
        JsonBody b = c.body();
        NetworkPolicy p = Networks.policy(b.node(), "network").orElseThrow(() -> ApiException.badRequest("give {mode, allow, deny}"));
        Sandbox s = sandboxes.connect(c.caller(), c.path("id"), "change the network of");
        s.setNetwork(p);
        c.json(200, Json.object().put("id", s.id()).set("network", io.agentbox.sandbox.net.NetworkConfig.policyJson(p)));
    }

    private void audit(Call c) {
        Sandbox s = sandboxes.connect(c.caller(), c.path("id"), "read the audit of");
        var data = Json.array();
        s.networkAudit().forEach(e -> data.add(io.agentbox.sandbox.net.AuditLog.json(e)));
        c.json(200, Json.object().set("data", data));
    }

    private static Duration duration(String field, String value, Duration max) {
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField(field, "must be a duration such as 30s, 10m or 2h (got '" + value + "')");
        }
        if (d.isZero() || d.compareTo(max) > 0) throw ApiException.invalidField(field, "must be between 1ms and " + Durations.format(max));
        return d;
    }

    private void exec(Call c) throws IOException {
        sandboxes.use(c.caller(), c.path("id"), "exec into");
        JsonBody b = c.body();
        Optional<List<String>> argv = b.stringList("command", 10_000, 100_000);
        Optional<String> shell = b.string("shell", 1_000_000);
        if (argv.isPresent() == shell.isPresent()) throw ApiException.badRequest("give exactly one of 'command' (argv) or 'shell'");
        if (argv.isPresent() && argv.get().isEmpty()) throw ApiException.invalidField("command", "must not be empty");
        Command.Builder cmd = argv.map(Command::builder).orElseGet(() -> Command.shellBuilder(shell.get()));
        b.string("cwd", 4096).ifPresent(cmd::cwd);
        Map<String, String> env = b.stringMap("env", 100, 100_000).orElse(Map.of());
        b.string("timeout", 20).ifPresent(t -> cmd.timeout(duration("timeout", t, MAX_LIFETIME)));
        b.string("stdin", 10_000_000).ifPresent(cmd::stdin);
        boolean stream = b.bool("stream").orElse(true);
        try {
            cmd.env(env);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField("env", e.getMessage());
        }
        Sandbox sandbox = sandboxes.connect(c.caller(), c.path("id"), "exec into");
        if (!stream) {
            c.json(200, result(sandbox.commands().run(cmd.build())));
            return;
        }
        c.ctx().status(200);
        c.ctx().res().setContentType("application/x-ndjson;charset=utf-8");
        OutputStream out = c.ctx().res().getOutputStream();
        Object lock = new Object();
        cmd.onStdout(OutputListener.text(s -> line(out, lock, Json.object().put("type", "stdout").put("data", s))));
        cmd.onStderr(OutputListener.text(s -> line(out, lock, Json.object().put("type", "stderr").put("data", s))));
        CommandResult r = sandbox.commands().run(cmd.build());
        ObjectNode exit = result(r);
        exit.remove("stdout");
        exit.remove("stderr");
        line(out, lock, Json.object().put("type", "exit").setAll(exit));
    }

    private static void line(OutputStream out, Object lock, ObjectNode node) {
        byte[] bytes = (Json.write(node) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (lock) {
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static ObjectNode result(CommandResult r) {
        ObjectNode o = Json.object();
        o.put("exitCode", r.exitCode());
        o.put("reason", r.reason().wireName());
        r.signal().ifPresent(s -> o.put("signal", s));
        o.put("stdout", r.stdout());
        o.put("stderr", r.stderr());
        o.put("stdoutTruncated", r.stdoutTruncated());
        o.put("stderrTruncated", r.stderrTruncated());
        o.put("durationMs", r.duration().toMillis());
        return o;
    }

    private static String requiredPath(Call c) {
        String path = c.query("path").orElseThrow(() -> ApiException.invalidField("path", "is required"));
        if (path.length() > 4096 || path.indexOf('\0') >= 0) throw ApiException.invalidField("path", "is not a valid path");
        return path;
    }

    private void download(Call c) throws IOException {
        sandboxes.use(c.caller(), c.path("id"), "read files of");
        String path = requiredPath(c);
        Sandbox sandbox = sandboxes.connect(c.caller(), c.path("id"), "read files of");
        try {
            FileInfo info = sandbox.files().stat(path);
            if (info.isDirectory()) {
                var out = Json.object();
                var data = out.putArray("data");
                for (FileInfo f : sandbox.files().list(path)) {
                    data.add(Json.object().put("path", f.path()).put("name", f.name())
                            .put("type", f.type().name().toLowerCase()).put("size", f.size())
                            .put("mode", f.mode()).put("modifiedAt", f.modifiedAt().toString()));
                }
                out.putNull("nextCursor");
                c.json(200, out);
                return;
            }
            c.ctx().status(200);
            c.ctx().contentType("application/octet-stream");
            c.ctx().header("Content-Length", Long.toString(info.size()));
            // streamed, and no more than the Content-Length promised: the file may grow while it is sent
            try (InputStream in = sandbox.files().openRead(path)) {
                var out = c.ctx().res().getOutputStream();
                byte[] buf = new byte[64 * 1024];
                long left = info.size();
                for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; left -= n) out.write(buf, 0, n);
            }
        } catch (SandboxFileException e) {
            throw fileError(e);
        }
    }

    private void upload(Call c) {
        sandboxes.use(c.caller(), c.path("id"), "write files of");
        String path = requiredPath(c);
        Sandbox sandbox = sandboxes.connect(c.caller(), c.path("id"), "write files of");
        byte[] content = Call.readBounded(c.ctx(), maxUploadBytes);
        try {
            sandbox.files().write(path, content);
        } catch (SandboxFileException e) {
            throw fileError(e);
        }
        c.json(201, Json.object().put("path", path).put("size", content.length));
    }

    private static ApiException fileError(SandboxFileException e) {
        return switch (e.reason()) {
            case NOT_FOUND -> ApiException.notFound("path " + e.path());
            case TOO_LARGE, NO_SPACE -> ApiException.tooLarge(e.getMessage());
            case ALREADY_EXISTS -> ApiException.conflict(e.getMessage());
            default -> ApiException.badRequest(e.getMessage());
        };
    }
}
