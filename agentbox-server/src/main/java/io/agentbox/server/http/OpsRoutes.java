package io.agentbox.server.http;

import io.agentbox.server.metrics.Metrics;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Unauthenticated operations endpoints: liveness, readiness, metrics and the API document. */
public final class OpsRoutes {
    private final BooleanSupplier ready;
    private final Metrics metrics;
    private final Supplier<byte[]> openApi;

    public OpsRoutes(BooleanSupplier ready, Metrics metrics, Supplier<byte[]> openApi) {
        this.ready = ready;
        this.metrics = metrics;
        this.openApi = openApi;
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/healthz", "health", "Liveness: the process answers").tag("operations").publicRoute()
                        .returns(200, "{status: ok}", Schema.anyObject())
                        .handle(c -> c.json(200, Json.object().put("status", "ok"))),
                ApiRoute.get("/readyz", "ready", "Readiness: the database answers and the server is not shutting down").tag("operations").publicRoute()
                        .returns(200, "{status: ready}", Schema.anyObject())
                        .returns(503, "Not ready", Schema.ref("Error"))
                        .handle(c -> {
                            if (!ready.getAsBoolean()) throw ApiException.unavailable("not ready");
                            c.json(200, Json.object().put("status", "ready"));
                        }),
                ApiRoute.get("/metrics", "metrics", "Prometheus metrics").tag("operations").publicRoute()
                        .returns(200, "Prometheus text format", "text/plain")
                        .handle(c -> {
                            c.ctx().contentType(Metrics.CONTENT_TYPE);
                            c.ctx().result(metrics.scrape());
                        }),
                ApiRoute.get("/openapi.json", "openapi", "This API's OpenAPI 3 document").tag("operations").publicRoute()
                        .returns(200, "OpenAPI 3 document", Schema.anyObject())
                        .handle(c -> {
                            c.ctx().contentType("application/json");
                            c.ctx().result(openApi.get());
                        }));
    }
}
