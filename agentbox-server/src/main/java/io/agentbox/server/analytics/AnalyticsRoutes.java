package io.agentbox.server.analytics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.server.http.ApiException;
import io.agentbox.server.http.ApiRoute;
import io.agentbox.server.http.Call;
import io.agentbox.server.http.Json;
import io.agentbox.server.http.Schema;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/** {@code GET /v1/analytics/usage}. */
public final class AnalyticsRoutes {
    private final UsageAnalytics analytics;

    public AnalyticsRoutes(UsageAnalytics analytics) {
        this.analytics = analytics;
    }

    public List<ApiRoute> routes() {
        return List.of(ApiRoute.get("/v1/analytics/usage", "getUsage",
                        "Runs, errors, tokens, cost and durations of a workspace, grouped by day, model, principal or template").tag("analytics")
                .query("workspaceId", Schema.string(), "the workspace (default: the caller's first)")
                .query("from", Schema.string(), "start, inclusive: an instant (2026-11-01T00:00:00Z) or a UTC date (2026-11-01); default 30 days before 'to'")
                .query("to", Schema.string(), "end, exclusive: an instant, or a UTC date meaning the end of that day; default now")
                .query("groupBy", Schema.enumOf(GroupBy.WIRE_NAMES.toArray(String[]::new)), "default day (every day of the window, empty ones too)")
                .returns(200, "The report", Schema.ref("UsageReport"))
                .handle(this::usage));
    }

    private void usage(Call c) {
        GroupBy groupBy = c.queryOneOf("groupBy", GroupBy::fromWireName, GroupBy.WIRE_NAMES).orElse(GroupBy.DAY);
        UsageReport report = analytics.usage(c.caller(), c.query("workspaceId"), time(c, "from", false), time(c, "to", true), groupBy);
        c.json(200, view(report));
    }

    /** An instant, or a UTC date: its start for {@code from}, the start of the next day for {@code to}. */
    private static Optional<Instant> time(Call c, String name, boolean endOfDay) {
        return c.query(name).map(v -> {
            try {
                if (v.length() == 10) {
                    LocalDate d = LocalDate.parse(v);
                    return (endOfDay ? d.plusDays(1) : d).atStartOfDay(ZoneOffset.UTC).toInstant();
                }
                return Instant.parse(v);
            } catch (DateTimeParseException e) {
                throw ApiException.invalidField(name, "must be an ISO-8601 instant (2026-11-29T10:00:00Z) or date (2026-11-29), got '" + v + "'");
            }
        });
    }

    static ObjectNode view(UsageReport r) {
        ObjectNode o = Json.object();
        o.put("workspaceId", r.workspaceId());
        o.put("from", r.from().toString());
        o.put("to", r.to().toString());
        o.put("groupBy", r.groupBy().wireName());
        var data = o.putArray("data");
        for (UsageReport.Group g : r.groups()) {
            ObjectNode item = data.addObject();
            item.put("key", g.key());
            g.name().ifPresent(n -> item.put("name", n));
            figures(item, g.figures());
        }
        figures(o.putObject("totals"), r.totals());
        return o;
    }

    private static void figures(ObjectNode o, UsageReport.Figures f) {
        o.put("runs", f.runs());
        o.put("succeeded", f.succeeded());
        o.put("failed", f.failed());
        o.put("canceled", f.canceled());
        o.put("active", f.active());
        ObjectNode errors = o.putObject("errors");
        f.errors().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e -> errors.put(e.getKey(), e.getValue()));
        ObjectNode t = o.putObject("tokens");
        t.put("input", f.tokens().input());
        t.put("output", f.tokens().output());
        t.put("cacheCreation", f.tokens().cacheCreation());
        t.put("cacheRead", f.tokens().cacheRead());
        ObjectNode cost = o.putObject("costUsd");
        cost.put("model", f.modelCostUsd().doubleValue());
        cost.put("sandbox", f.sandboxCostUsd().doubleValue());
        cost.put("total", f.totalCostUsd().doubleValue());
        ObjectNode d = o.putObject("durationMs");
        if (f.p50DurationMs().isPresent()) d.put("p50", f.p50DurationMs().get()); else d.putNull("p50");
        if (f.p95DurationMs().isPresent()) d.put("p95", f.p95DurationMs().get()); else d.putNull("p95");
    }

    /** The OpenAPI component {@code UsageReport}. */
    public static Schema schema() {
        Schema figures = figuresSchema(Schema.object());
        return Schema.object().required("workspaceId", Schema.string())
                .required("from", Schema.string().format("date-time")).required("to", Schema.string().format("date-time"))
                .required("groupBy", Schema.enumOf(GroupBy.WIRE_NAMES.toArray(String[]::new)))
                .required("data", Schema.arrayOf(figuresSchema(Schema.object()
                        .required("key", Schema.string().description("a UTC date, model, principal id or template"))
                        .prop("name", Schema.string().description("the principal's name (groupBy=principal)")))))
                .required("totals", figures);
    }

    private static Schema figuresSchema(Schema s) {
        return s.required("runs", Schema.integer()).required("succeeded", Schema.integer()).required("failed", Schema.integer())
                .required("canceled", Schema.integer()).required("active", Schema.integer().description("not ended yet"))
                .required("errors", Schema.mapOf(Schema.integer()).description("failed and canceled runs by error category"))
                .required("tokens", Schema.object().required("input", Schema.integer()).required("output", Schema.integer())
                        .required("cacheCreation", Schema.integer()).required("cacheRead", Schema.integer()))
                .required("costUsd", Schema.object().required("model", Schema.number()).required("sandbox", Schema.number())
                        .required("total", Schema.number()))
                .required("durationMs", Schema.object().required("p50", Schema.integer().nullable()).required("p95", Schema.integer().nullable())
                        .description("nearest-rank percentiles of ended runs; null when none ended"));
    }
}
