package io.agentbox.server.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxFileException;
import io.agentbox.sandbox.SandboxNotFoundException;
import io.agentbox.sandbox.e2b.ConnectFrames;
import io.agentbox.server.http.Json;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * envd, the in-sandbox daemon of E2B, emulated over the Sandbox API: {@code /health}, {@code /files} and
 * the Connect services {@code process.Process} and {@code filesystem.Filesystem}. Every request names its
 * sandbox in {@code E2b-Sandbox-Id} and proves it may use it with {@code X-Access-Token}; a sandbox that is
 * gone answers 502, as E2B's proxy does, which the SDK reports as a sandbox timeout.
 */
final class Envd {
    @FunctionalInterface
    interface Handler {
        void handle(Context ctx) throws Exception;
    }

    /** The sandbox of an envd request and the user it acts as. */
    record Target(String id, Sandbox sandbox, String user) {}

    private final E2bSandboxes sandboxes;
    private final EnvdProcess process;
    private final EnvdFilesystem filesystem;
    private final CodeInterpreter interpreter;
    private final long maxBodyBytes;

    Envd(E2bSandboxes sandboxes, ScheduledExecutorService timers, long maxBodyBytes, long maxUploadBytes) {
        this.sandboxes = sandboxes;
        this.maxBodyBytes = maxBodyBytes;
        this.process = new EnvdProcess(sandboxes, timers);
        this.filesystem = new EnvdFilesystem(sandboxes, timers, maxUploadBytes);
        this.interpreter = new CodeInterpreter(maxBodyBytes);
    }

    void register(E2bApi.Routes<Handler> r) {
        r.add(HandlerType.GET, "/health", ctx -> {
            target(ctx);
            ctx.status(204);
        });
        r.add(HandlerType.GET, "/files", ctx -> filesystem.download(ctx, target(ctx, Optional.ofNullable(ctx.queryParam("username")))));
        r.add(HandlerType.POST, "/files", ctx -> filesystem.upload(ctx, target(ctx, Optional.ofNullable(ctx.queryParam("username")))));
        r.add(HandlerType.POST, "/process.Process/{method}", ctx -> rpc(ctx, "process.Process"));
        r.add(HandlerType.POST, "/filesystem.Filesystem/{method}", ctx -> rpc(ctx, "filesystem.Filesystem"));
        interpreter.register(r, ctx -> target(ctx, Optional.ofNullable(ctx.header("X-Access-Token"))
                .or(() -> Optional.ofNullable(ctx.header("E2B-Traffic-Access-Token"))), Optional.of("user")));
    }

    private Target target(Context ctx) {
        return target(ctx, basicUser(ctx.header("Authorization")));
    }

    private Target target(Context ctx, Optional<String> user) {
        return target(ctx, Optional.ofNullable(ctx.header("X-Access-Token")), user);
    }

    private Target target(Context ctx, Optional<String> token, Optional<String> user) {
        String id = ctx.header("E2b-Sandbox-Id");
        if (id == null || id.isBlank()) throw E2bError.badRequest("missing E2b-Sandbox-Id header");
        if (!sandboxes.tokens().valid(id, token)) {
            throw E2bError.unauthorized("missing or invalid access token for sandbox " + id);
        }
        Sandbox s = sandboxes.live(id).orElseThrow(() -> E2bError.sandboxGone(id));
        String u = user.filter(v -> !v.isBlank()).orElse("user");
        if (!u.equals("user") && !u.equals("root")) throw E2bError.badRequest("unknown user '" + u + "' (agentbox sandboxes have 'user' and 'root')");
        return new Target(id, s, u);
    }

    /** The SDK names the user as {@code Authorization: Basic base64("<user>:")}. */
    static Optional<String> basicUser(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) return Optional.empty();
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return Optional.of(colon < 0 ? decoded : decoded.substring(0, colon));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private void rpc(Context ctx, String service) {
        String method = ctx.pathParam("method");
        String type = Optional.ofNullable(ctx.contentType()).orElse("");
        boolean streaming = type.startsWith("application/connect+json");
        if (!streaming && !type.startsWith("application/json")) {
            // Connect's binary (protobuf) encoding is not offered: the SDK always speaks JSON
            ctx.status(415);
            ctx.contentType("application/json");
            ctx.result("{\"code\":\"unimplemented\",\"message\":\"only the JSON encoding of Connect is supported\"}");
            return;
        }
        Target target;
        ObjectNode request;
        try {
            target = target(ctx);
            request = streaming ? streamRequest(ctx) : E2bApi.body(ctx, maxBodyBytes);
        } catch (E2bError e) {
            unaryError(ctx, e);
            return;
        }
        if (streaming) {
            ConnectStream stream = new ConnectStream(ctx);
            try {
                switch (service + "/" + method) {
                    case "process.Process/Start" -> process.start(target, request, ctx, stream);
                    case "process.Process/Connect" -> process.connect(target, request, ctx, stream);
                    case "filesystem.Filesystem/WatchDir" -> filesystem.watch(target, request, stream);
                    default -> throw E2bError.notImplemented(service + "/" + method + " is not a server-streaming method here");
                }
            } catch (E2bError e) {
                stream.fail(e.connectCode(), e.getMessage());
            } catch (SandboxNotFoundException e) {
                sandboxes.gone(target.id());
                stream.fail("unavailable", "sandbox " + target.id() + " is not running");
            } catch (SandboxFileException e) {
                E2bError err = EnvdFilesystem.fileError(e);
                stream.fail(err.connectCode(), err.getMessage());
            } catch (SandboxException e) {
                stream.fail(sandboxAlive(target) ? "internal" : "unavailable", e.getMessage());
            }
            return;
        }
        try {
            ObjectNode response = switch (service + "/" + method) {
                case "process.Process/List" -> process.list(target);
                case "process.Process/SendSignal" -> process.signal(target, request);
                case "process.Process/SendInput" -> process.input(target, request);
                case "process.Process/CloseStdin" -> process.closeStdin(target, request);
                case "process.Process/Update" -> throw E2bError.notImplemented("PTY is not supported by agentbox");
                case "process.Process/StreamInput" -> throw E2bError.notImplemented("StreamInput needs a client stream; use SendInput");
                case "filesystem.Filesystem/Stat" -> filesystem.stat(target, request);
                case "filesystem.Filesystem/ListDir" -> filesystem.listDir(target, request);
                case "filesystem.Filesystem/MakeDir" -> filesystem.makeDir(target, request);
                case "filesystem.Filesystem/Move" -> filesystem.move(target, request);
                case "filesystem.Filesystem/Remove" -> filesystem.remove(target, request);
                default -> throw E2bError.notImplemented(service + "/" + method + " is not implemented");
            };
            E2bApi.json(ctx, 200, response);
        } catch (E2bError e) {
            unaryError(ctx, e);
        } catch (SandboxNotFoundException e) {
            sandboxes.gone(target.id());
            unaryError(ctx, E2bError.sandboxGone(target.id()));
        } catch (SandboxFileException e) {
            unaryError(ctx, EnvdFilesystem.fileError(e));
        } catch (SandboxException e) {
            unaryError(ctx, sandboxAlive(target) ? E2bError.internal(e.getMessage()) : E2bError.sandboxGone(target.id()));
        }
    }

    private boolean sandboxAlive(Target t) {
        try {
            t.sandbox().info();
            return true;
        } catch (SandboxException e) {
            sandboxes.gone(t.id());
            return false;
        }
    }

    /** A Connect unary error: the SDK reads the string code from the JSON body. */
    private static void unaryError(Context ctx, E2bError e) {
        if (ctx.res().isCommitted()) return;
        ObjectNode body = Json.object().put("code", e.connectCode()).put("message", e.getMessage());
        ctx.status(e.status());
        ctx.contentType("application/json");
        ctx.result(Json.write(body).getBytes(StandardCharsets.UTF_8));
    }

    /** A server-stream request is one enveloped JSON message. */
    private ObjectNode streamRequest(Context ctx) {
        byte[] bytes = E2bApi.readBounded(ctx, maxBodyBytes);
        try {
            var frame = ConnectFrames.read(new ByteArrayInputStream(bytes));
            if (frame.isEmpty()) return Json.object();
            JsonNode n = Json.MAPPER.readTree(frame.get().payload());
            if (n == null || !n.isObject()) throw E2bError.badRequest("the request message must be a JSON object");
            return (ObjectNode) n;
        } catch (IOException e) {
            throw E2bError.badRequest("malformed Connect request: " + e.getMessage());
        }
    }
}
