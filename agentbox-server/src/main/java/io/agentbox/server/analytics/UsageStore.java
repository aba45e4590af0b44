package io.agentbox.server.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.http.Json;
import io.agentbox.server.store.Database;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads the runs of a time window for usage reports. Usage and cost are JSON text columns, which SQLite
 * and PostgreSQL query with different functions; the rows are streamed and added up in Java instead, so
 * one code path serves both databases and percentiles are exact.
 */
final class UsageStore {
    private final Database db;

    UsageStore(Database db) {
        this.db = db;
    }

    /** Calls {@code sink} with every run of the workspace created in [from, to), in no particular order. */
    void forEach(String workspaceId, Instant from, Instant to, Consumer<UsageRow> sink) {
        db.read(h -> {
            try (var rows = h.createQuery("""
                            SELECT created_at, status, model, created_by, template, usage_json, cost_json, duration_ms, error_category
                            FROM runs WHERE workspace_id = :ws AND created_at >= :from AND created_at < :to""")
                    .bind("ws", workspaceId).bind("from", from.toEpochMilli()).bind("to", to.toEpochMilli())
                    .setFetchSize(500)
                    .map((rs, ctx) -> {
                        JsonNode usage = json(rs.getString("usage_json"));
                        JsonNode cost = json(rs.getString("cost_json"));
                        long duration = rs.getLong("duration_ms");
                        Optional<Long> durationMs = rs.wasNull() ? Optional.empty() : Optional.of(duration);
                        return new UsageRow(Instant.ofEpochMilli(rs.getLong("created_at")), rs.getString("status"),
                                Optional.ofNullable(rs.getString("model")), rs.getString("created_by"), rs.getString("template"),
                                usage.path("inputTokens").asLong(), usage.path("outputTokens").asLong(),
                                usage.path("cacheCreationInputTokens").asLong(), usage.path("cacheReadInputTokens").asLong(),
                                decimal(cost.path("model")), decimal(cost.path("sandbox")), durationMs,
                                Optional.ofNullable(rs.getString("error_category")));
                    }).stream()) {
                rows.forEach(sink);
            }
            return null;
        });
    }

    private static JsonNode json(String text) {
        return text == null ? Json.object() : Json.parse(text);
    }

    private static BigDecimal decimal(JsonNode n) {
        if (n.isNumber()) return n.decimalValue();
        if (n.isTextual()) {
            try {
                return new BigDecimal(n.asText());
            } catch (NumberFormatException e) {
                return BigDecimal.ZERO;
            }
        }
        return BigDecimal.ZERO;
    }
}
