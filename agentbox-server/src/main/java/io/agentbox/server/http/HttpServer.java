package io.agentbox.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.server.ServerConfig;
import io.agentbox.server.auth.Authenticator;
import io.agentbox.server.auth.Caller;
import io.agentbox.server.auth.OpenStreams;
import io.agentbox.server.auth.RateLimiter;
import io.agentbox.server.auth.StreamTickets;
import io.agentbox.server.metrics.Metrics;
import io.agentbox.server.store.InvalidCursorException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsHandlerType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The Javalin application: registers every {@link ApiRoute} behind one wrapper that assigns the request
 * id, authenticates, rate-limits, maps failures to the error format, records metrics and writes the
 * access log. Handlers stay free of all of that.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger ACCESS = LoggerFactory.getLogger("io.agentbox.server.access");
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String HANDLED = "agentbox.handled";
    private static final String WS_CONNECTION = "agentbox.ws.connection";
    private static final String WS_KEY = "agentbox.ws.key";

    private final Javalin app;
    private final Authenticator authenticator;
    private final RateLimiter rateLimiter;
    private final Metrics metrics;
    private final OpenStreams streams;
    private final long maxBodyBytes;
    private final List<String> registered = new java.util.concurrent.CopyOnWriteArrayList<>();

    public HttpServer(ServerConfig config, List<ApiRoute> routes, Authenticator authenticator, RateLimiter rateLimiter,
                      Metrics metrics, OpenStreams streams, Consumer<io.javalin.config.RoutesConfig> extraRoutes) {
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
        this.metrics = metrics;
        this.streams = streams;
        this.maxBodyBytes = config.maxBodyBytes();
        this.app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = Math.max(config.maxBodyBytes(), config.maxUploadBytes());
            cfg.http.prefer405over404 = true;
            cfg.router.ignoreTrailingSlashes = true;
            cfg.jetty.host = config.host();
            cfg.jetty.port = config.port();
            cfg.jetty.modifyServer(server -> server.setStopTimeout(2_000));
            cfg.jetty.modifyWebSocketServletFactory(ws -> {
                ws.setMaxTextMessageSize(config.maxBodyBytes());
                ws.setIdleTimeout(java.time.Duration.ofMinutes(10));
            });
            cfg.events.handlerAdded(info -> {
                if (!info.getHttpMethod().name().startsWith("WEBSOCKET")) registered.add(info.getHttpMethod().name() + " " + info.getPath());
            });
            for (ApiRoute route : routes) {
                cfg.routes.addHttpHandler(route.method(), route.path(), wrap(route));
                route.websocket().ifPresent(endpoint -> {
                    cfg.routes.addHttpHandler(HandlerType.WEBSOCKET_BEFORE_UPGRADE, route.path(), upgrade(route, endpoint));
                    cfg.routes.addWsHandler(WsHandlerType.WEBSOCKET, route.path(), this::serve);
                });
            }
            // The refusal was written by upgrade(); the exception only stops Javalin from upgrading.
            cfg.routes.exception(UpgradeRefused.class, (e, ctx) -> { });
            extraRoutes.accept(cfg.routes);
            cfg.routes.error(404, ctx -> unmatched(ctx, ApiException.notFound("route " + ctx.method() + " " + ctx.path())));
            cfg.routes.error(405, ctx -> unmatched(ctx, new ApiException(405, "method_not_allowed",
                    "method " + ctx.method() + " is not allowed on " + ctx.path())));
            cfg.routes.error(413, ctx -> unmatched(ctx, ApiException.tooLarge("request body is too large")));
        });
    }

    public void start() {
        app.start();
    }

    public int port() {
        return app.port();
    }

    /** "METHOD /path" of every handler Javalin registered, for checking the API document against reality. */
    public List<String> registeredRoutes() {
        return List.copyOf(registered);
    }

    @Override
    public void close() {
        app.stop();
    }

    private Handler wrap(ApiRoute route) {
        return ctx -> {
            long start = System.nanoTime();
            String requestId = requestId(ctx);
            MDC.put("requestId", requestId);
            ctx.attribute(HANDLED, Boolean.TRUE);
            Optional<Caller> caller = Optional.empty();
            try {
                if (route.authenticated()) caller = Optional.of(authenticate(ctx, route));
                route.handler().handle(new Call(ctx, route, caller, maxBodyBytes));
            } catch (ApiException e) {
                writeError(ctx, e);
            } catch (InvalidCursorException e) {
                writeError(ctx, ApiException.invalidField("cursor", "is not a cursor this server handed out"));
            } catch (Exception e) {
                LOG.error("request failed: {} {}", ctx.method(), route.path(), e);
                writeError(ctx, new ApiException(500, "internal", "internal error (request id " + requestId + ")"));
            } finally {
                double seconds = (System.nanoTime() - start) / 1e9;
                int status = ctx.statusCode();
                metrics.httpRequest(ctx.method().name(), route.path(), status, seconds);
                ACCESS.atInfo()
                        .addKeyValue("method", ctx.method().name())
                        .addKeyValue("route", route.path())
                        .addKeyValue("status", status)
                        .addKeyValue("durationMs", Math.round(seconds * 1000))
                        .log("{} {} {}", ctx.method().name(), ctx.path(), status);
                MDC.remove("requestId");
                MDC.remove("principal");
            }
        };
    }

    private Caller authenticate(Context ctx, ApiRoute route) {
        String header = ctx.header("Authorization");
        String ticket = ctx.queryParam("ticket");
        // browsers cannot set headers on EventSource and WebSocket: the stream routes take a ticket instead
        Caller c = (header == null || header.isBlank()) && ticket != null && StreamTickets.ROUTES.contains(route.path())
                ? authenticator.redeem(ticket)
                : authenticator.authenticate(header);
        MDC.put("principal", c.principalId());
        var wait = rateLimiter.tryAcquire(c.keyId());
        if (wait.isPresent()) throw ApiException.rateLimited(wait.getAsLong());
        return c;
    }

    /** Authorizes a WebSocket upgrade like a request; a refusal is an ordinary HTTP error and no upgrade. */
    private Handler upgrade(ApiRoute route, WebSocketEndpoint endpoint) {
        return ctx -> {
            String requestId = requestId(ctx);
            MDC.put("requestId", requestId);
            int status = 101;
            try {
                Caller caller = authenticate(ctx, route);
                WebSocketEndpoint.Connection connection = endsOnRevocation(
                        endpoint.accept(new Call(ctx, route, Optional.of(caller), maxBodyBytes)), caller.keyId());
                ctx.attribute(WS_CONNECTION, connection);
                ctx.attribute(WS_KEY, caller.keyId());
            } catch (ApiException e) {
                status = e.status();
                writeErrorNow(ctx, e);
                throw new UpgradeRefused();
            } catch (UpgradeRefused e) {
                throw e;
            } catch (RuntimeException e) {
                status = 500;
                LOG.error("WebSocket upgrade failed: {}", route.path(), e);
                writeErrorNow(ctx, new ApiException(500, "internal", "internal error (request id " + requestId + ")"));
                throw new UpgradeRefused();
            } finally {
                ACCESS.atInfo().addKeyValue("method", "GET").addKeyValue("route", route.path()).addKeyValue("status", status)
                        .addKeyValue("websocket", true).log("GET {} {} (WebSocket)", ctx.path(), status);
                MDC.remove("requestId");
                MDC.remove("principal");
            }
        };
    }

    /**
     * The socket was authorized once, at the upgrade: registered with its key, it is closed (1008, policy
     * violation) when that key is revoked, so a revoked key neither reads events nor sends commands on it.
     */
    private WebSocketEndpoint.Connection endsOnRevocation(WebSocketEndpoint.Connection inner, String keyId) {
        return new WebSocketEndpoint.Connection() {
            private volatile OpenStreams.Registration registration;

            @Override
            public void onOpen(WebSocketEndpoint.Peer peer) {
                registration = streams.open(keyId, () -> peer.close(1008, "the API key was revoked"));
                inner.onOpen(peer);
            }

            @Override
            public void onMessage(String text) {
                inner.onMessage(text);
            }

            @Override
            public void onClose() {
                OpenStreams.Registration r = registration;
                if (r != null) r.close();
                inner.onClose();
            }
        };
    }

    private void serve(WsConfig ws) {
        ws.onConnect(ctx -> {
            WebSocketEndpoint.Connection c = ctx.attribute(WS_CONNECTION);
            ctx.enableAutomaticPings(15, java.util.concurrent.TimeUnit.SECONDS);
            c.onOpen(new WebSocketEndpoint.Peer() {
                @Override
                public boolean send(String text) {
                    if (!ctx.session.isOpen()) return false;
                    ctx.send(text);
                    return true;
                }

                @Override
                public boolean ping() {
                    if (!ctx.session.isOpen()) return false;
                    ctx.sendPing(java.nio.ByteBuffer.allocate(0));
                    return true;
                }

                @Override
                public boolean isOpen() {
                    return ctx.session.isOpen();
                }

                @Override
                public void close(int code, String reason) {
                    ctx.closeSession(code, reason);
                }
            });
        });
        ws.onMessage(ctx -> {
            WebSocketEndpoint.Connection c = ctx.attribute(WS_CONNECTION);
            var wait = rateLimiter.tryAcquire(ctx.attribute(WS_KEY));
            if (wait.isPresent()) {
                ObjectNode err = Json.object().put("type", "error");
                err.putObject("error").put("code", "rate_limited")
                        .put("message", "rate limit exceeded; retry after " + wait.getAsLong() + " s").put("retryAfter", wait.getAsLong());
                ctx.send(Json.write(err));
                return;
            }
            c.onMessage(ctx.message());
        });
        ws.onClose(ctx -> {
            WebSocketEndpoint.Connection c = ctx.attribute(WS_CONNECTION);
            if (c != null) c.onClose();
        });
        ws.onError(ctx -> {
            WebSocketEndpoint.Connection c = ctx.attribute(WS_CONNECTION);
            if (c != null) c.onClose();
        });
    }

    private static final class UpgradeRefused extends RuntimeException {
        UpgradeRefused() {
            super("upgrade refused", null, false, false);
        }
    }

    /** Writes the error straight to the response: a refused upgrade never reaches Javalin's result writing. */
    private static void writeErrorNow(Context ctx, ApiException e) {
        var res = ctx.res();
        if (res.isCommitted()) return;
        ObjectNode body = Json.object();
        ObjectNode error = body.putObject("error").put("code", e.code()).put("message", e.getMessage());
        e.limit().ifPresent(l -> error.put("limit", l));
        e.retryAfterSeconds().ifPresent(s -> res.setHeader("Retry-After", Long.toString(s)));
        if (e.status() == 401) res.setHeader("WWW-Authenticate", "Bearer");
        res.setStatus(e.status());
        res.setContentType("application/json");
        try {
            res.getOutputStream().write(Json.write(body).getBytes(StandardCharsets.UTF_8));
            res.flushBuffer();
        } catch (java.io.IOException ignored) {
            // the client went away; nothing to tell it
        }
    }

    private static String requestId(Context ctx) {
        String given = ctx.header("X-Request-Id");
        String id;
        if (given != null && CLIENT_REQUEST_ID.matcher(given).matches()) {
            id = given;
        } else {
            byte[] b = new byte[8];
            RANDOM.nextBytes(b);
            id = "req_" + HexFormat.of().formatHex(b);
        }
        ctx.header("X-Request-Id", id);
        return id;
    }

    private void unmatched(Context ctx, ApiException e) {
        if (ctx.attribute(HANDLED) != null) return;
        requestId(ctx);
        writeError(ctx, e);
    }

    static void writeError(Context ctx, ApiException e) {
        if (ctx.res().isCommitted()) return;
        ObjectNode body = Json.object();
        ObjectNode error = body.putObject("error");
        error.put("code", e.code());
        error.put("message", e.getMessage());
        e.limit().ifPresent(l -> error.put("limit", l));
        e.retryAfterSeconds().ifPresent(s -> ctx.header("Retry-After", Long.toString(s)));
        if (e.status() == 401) ctx.header("WWW-Authenticate", "Bearer");
        ctx.status(e.status());
        ctx.contentType("application/json");
        ctx.result(Json.write(body).getBytes(StandardCharsets.UTF_8));
    }
}
