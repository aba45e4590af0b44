package io.agentbox.server.telemetry;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import org.slf4j.MDC;


/**
 * HTTP server spans (semantic conventions: {@code METHOD ROUTE}, {@code http.request.method}, {@code http.route},
 * {@code http.response.status_code}), children of an incoming {@code traceparent}; the ids go into the log's
 * MDC as {@code traceId} and {@code spanId}. Installed as Javalin before/after handlers, which run on the
 * request's thread around the endpoint.
 */
public final class HttpTracing {
    private static final String SPAN = "agentbox.span";
    private static final String SCOPE = "agentbox.scope";
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

    private static final TextMapGetter<Context> HEADERS = new TextMapGetter<>() {
        @Override public Iterable<String> keys(Context ctx) { return ctx.headerMap().keySet(); }
        @Override public String get(Context ctx, String key) { return ctx == null ? null : ctx.header(key); }
    };

    private final Telemetry telemetry;
    private final Tracer tracer;

    public HttpTracing(Telemetry telemetry) {
        this.telemetry = telemetry;
        this.tracer = telemetry.openTelemetry().getTracer("io.agentbox.server");
    }

    /** Adds the handlers (nothing when tracing is off). */
    public void install(RoutesConfig routes) {
        if (!telemetry.enabled()) return;
        routes.before(this::before);
        routes.after(this::after);
    }

    private void before(Context ctx) {
        io.opentelemetry.context.Context parent = telemetry.openTelemetry().getPropagators().getTextMapPropagator()
                .extract(io.opentelemetry.context.Context.root(), ctx, HEADERS);
        String method = ctx.method().name();
        Span span = tracer.spanBuilder(method).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute(METHOD, method).setAttribute(PATH, ctx.path()).startSpan();
        ctx.attribute(SPAN, span);
        ctx.attribute(SCOPE, span.makeCurrent());
        if (span.getSpanContext().isValid()) {
            MDC.put("traceId", span.getSpanContext().getTraceId());
            MDC.put("spanId", span.getSpanContext().getSpanId());
        }
    }

    private void after(Context ctx) {
        Span span = ctx.attribute(SPAN);
        Scope scope = ctx.attribute(SCOPE);
        if (span == null) return;
        var endpoint = ctx.endpoints().matchedHttpEndpoint();
        String route = endpoint == null ? null : endpoint.path;
        if (route != null && !route.isEmpty() && !route.equals("*")) {
            span.setAttribute(ROUTE, route);
            span.updateName(ctx.method().name() + " " + route);
        }
        int status = ctx.statusCode();
        span.setAttribute(STATUS, (long) status);
        if (status >= 500) span.setStatus(StatusCode.ERROR);
        span.end();
        if (scope != null) scope.close();
        MDC.remove("traceId");
        MDC.remove("spanId");
    }
}
