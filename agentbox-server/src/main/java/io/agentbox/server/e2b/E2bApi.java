package io.agentbox.server.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.server.auth.Authenticator;
import io.agentbox.server.auth.Caller;
import io.agentbox.server.auth.RateLimiter;
import io.agentbox.server.http.ApiException;
import io.agentbox.server.http.Json;
import io.agentbox.server.sandboxes.RawSandboxes;
import io.agentbox.server.sandboxes.SandboxService;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The E2B-compatible API on its own port: E2B's control plane (REST, {@code X-API-KEY} = an agentbox
 * API key) and envd (Connect with JSON, plus {@code /files} and {@code /health}), routed to a sandbox by
 * the {@code E2b-Sandbox-Id} header and authorized by the sandbox's envd access token. Both planes share
 * one port, as their paths do not collide: point {@code E2B_API_URL} and {@code E2B_SANDBOX_URL} at it.
 */
public final class E2bApi implements AutoCloseable {
    private static final Logger ACCESS = LoggerFactory.getLogger("io.agentbox.server.access");
    private static final Logger LOG = LoggerFactory.getLogger(E2bApi.class);
    /** The envd version reported to the SDK; it gates features (0.5.7: closeStdin and octet-stream uploads). */
    static final String ENVD_VERSION = "0.5.7";

    private final Javalin app;
    private final ScheduledExecutorService timers;
    private final E2bSandboxes sandboxes;

    public E2bApi(String host, int port, Path dataDir, SandboxService service, RawSandboxes raw, Authenticator authenticator,
                  RateLimiter rateLimiter, long maxBodyBytes, long maxUploadBytes, Clock clock) {
        this.timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("e2b-keepalive").factory());
        this.sandboxes = new E2bSandboxes(service, raw, EnvdTokens.inDataDir(dataDir), clock);
        ControlPlane control = new ControlPlane(sandboxes, maxBodyBytes);
        Envd envd = new Envd(sandboxes, timers, maxBodyBytes, maxUploadBytes);
        Auth auth = new Auth(authenticator, rateLimiter);
        this.app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = Math.max(maxBodyBytes, maxUploadBytes);
            cfg.router.ignoreTrailingSlashes = true;
            cfg.jetty.host = host;
            cfg.jetty.port = port;
            cfg.jetty.modifyServer(server -> server.setStopTimeout(2_000));
            control.register((method, path, handler) -> cfg.routes.addHttpHandler(method, path, ctx -> rest(ctx, path, () -> handler.handle(ctx, auth.caller(ctx)))));
            envd.register((method, path, handler) -> cfg.routes.addHttpHandler(method, path, ctx -> rest(ctx, path, () -> handler.handle(ctx))));
            cfg.routes.error(404, ctx -> {
                if (!ctx.res().isCommitted() && ctx.attribute("e2b.handled") == null) writeRest(ctx, E2bError.notFound("route " + ctx.method() + " " + ctx.path() + " not found"));
            });
        });
    }

    public void start() {
        app.start();
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
        timers.shutdownNow();
    }

    @FunctionalInterface
    interface Work {
        void run() throws Exception;
    }

    @FunctionalInterface
    interface Routes<H> {
        void add(HandlerType method, String path, H handler);
    }

    /** Runs a handler and maps its failures to the REST error shape; Connect routes write their own errors first. */
    private static void rest(Context ctx, String route, Work work) {
        long start = System.nanoTime();
        ctx.attribute("e2b.handled", Boolean.TRUE);
        try {
            work.run();
        } catch (E2bError e) {
            writeRest(ctx, e);
        } catch (Exception e) {
            LOG.error("E2B request failed: {} {}", ctx.method(), route, e);
            writeRest(ctx, E2bError.internal("internal error"));
        } finally {
            ACCESS.atInfo().addKeyValue("method", ctx.method().name()).addKeyValue("route", route)
                    .addKeyValue("status", ctx.statusCode()).addKeyValue("durationMs", (System.nanoTime() - start) / 1_000_000)
                    .addKeyValue("api", "e2b").log("{} {} {}", ctx.method().name(), ctx.path(), ctx.statusCode());
        }
    }

    static void writeRest(Context ctx, E2bError e) {
        if (ctx.res().isCommitted()) return;
        ObjectNode body = Json.object().put("code", e.status()).put("message", e.getMessage());
        if (e.retryAfterSeconds() > 0) ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        ctx.status(e.status());
        ctx.contentType("application/json");
        ctx.result(Json.write(body).getBytes(StandardCharsets.UTF_8));
    }

    static void json(Context ctx, int status, JsonNode node) {
        ctx.status(status);
        ctx.contentType("application/json");
        ctx.result(Json.write(node).getBytes(StandardCharsets.UTF_8));
    }

    /** The request's JSON body (an object), or an empty object for an empty body. */
    static ObjectNode body(Context ctx, long limit) {
        byte[] bytes = readBounded(ctx, limit);
        if (bytes.length == 0) return Json.object();
        try {
            JsonNode n = Json.MAPPER.readTree(bytes);
            if (n == null || n.isNull()) return Json.object();
            if (!n.isObject()) throw E2bError.badRequest("the request body must be a JSON object");
            return (ObjectNode) n;
        } catch (IOException e) {
            throw E2bError.badRequest("the request body is not valid JSON");
        }
    }

    static byte[] readBounded(Context ctx, long limit) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) throw E2bError.tooLarge("request body is " + declared + " bytes; the limit is " + limit);
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) throw E2bError.tooLarge("request body exceeds the limit of " + limit + " bytes");
            return bytes;
        } catch (IOException e) {
            throw E2bError.badRequest("request body could not be read: " + e.getMessage());
        }
    }

    /** API keys arrive as {@code X-API-KEY} (the SDK) or {@code Authorization: Bearer} (curl users). */
    static final class Auth {
        private final Authenticator authenticator;
        private final RateLimiter rateLimiter;

        Auth(Authenticator authenticator, RateLimiter rateLimiter) {
            this.authenticator = authenticator;
            this.rateLimiter = rateLimiter;
        }

        Caller caller(Context ctx) {
            String key = ctx.header("X-API-KEY");
            String header = key != null && !key.isBlank() ? "Bearer " + key.trim() : ctx.header("Authorization");
            Caller caller;
            try {
                caller = authenticator.authenticate(header);
            } catch (ApiException e) {
                throw E2bError.unauthorized(e.getMessage().replace("'Authorization: Bearer <key>'", "'X-API-KEY: <key>'"));
            }
            var wait = rateLimiter.tryAcquire(caller.keyId());
            if (wait.isPresent()) throw E2bError.rateLimited(wait.getAsLong());
            return caller;
        }
    }
}
