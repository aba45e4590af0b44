package io.agentbox.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.cli.Json;
import io.agentbox.cli.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.Locale;
import java.util.Optional;

/** {@code agentbox usage}: the server's usage report of a workspace as a table, or its JSON. */
@Command(name = "usage", description = "Runs, errors, tokens, cost and durations of a workspace, by day, model, principal or template.")
public final class UsageCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Option(names = "--workspace", paramLabel = "ID", description = "The workspace (default: your first).")
    private String workspace;

    @Option(names = "--from", paramLabel = "WHEN", description = "Start: an instant or a UTC date (default: 30 days before --to).")
    private String from;

    @Option(names = "--to", paramLabel = "WHEN", description = "End: an instant, or a UTC date meaning the end of that day (default: now).")
    private String to;

    @Option(names = "--group-by", paramLabel = "BY", description = "day (default), model, principal or template.")
    private String groupBy;

    @Option(names = "--json", description = "The server's JSON.")
    private boolean json;

    @Override
    public void run() {
        JsonNode report = Remote.client(spec).usage(Optional.ofNullable(workspace), Optional.ofNullable(from),
                Optional.ofNullable(to), Optional.ofNullable(groupBy));
        if (json) {
            Json.print(Remote.out(spec), report);
            return;
        }
        Table table = new Table(report.path("groupBy").asText("day").toUpperCase(Locale.ROOT), "RUNS", "FAILED", "CANCELED",
                "ERRORS", "IN TOKENS", "OUT TOKENS", "CACHE TOKENS", "MODEL USD", "SANDBOX USD", "TOTAL USD", "P50 MS", "P95 MS");
        report.path("data").forEach(g -> table.row(row(g, g.path("name").isTextual()
                ? g.get("key").asText() + " (" + g.get("name").asText() + ")" : g.path("key").asText())));
        table.row(row(report.path("totals"), "total"));
        table.print(Remote.out(spec));
    }

    private static String[] row(JsonNode f, String label) {
        StringBuilder errors = new StringBuilder();
        f.path("errors").properties().forEach(e -> errors.append(errors.isEmpty() ? "" : ",").append(e.getKey()).append('=').append(e.getValue().asLong()));
        JsonNode t = f.path("tokens");
        JsonNode c = f.path("costUsd");
        return new String[] {label, f.path("runs").asText(), f.path("failed").asText(), f.path("canceled").asText(),
                errors.isEmpty() ? "-" : errors.toString(), t.path("input").asText(), t.path("output").asText(),
                Long.toString(t.path("cacheCreation").asLong() + t.path("cacheRead").asLong()),
                usd(c.path("model")), usd(c.path("sandbox")), usd(c.path("total")),
                ms(f.path("durationMs").path("p50")), ms(f.path("durationMs").path("p95"))};
    }

    private static String usd(JsonNode n) {
        return String.format(Locale.ROOT, "%.4f", n.asDouble());
    }

    private static String ms(JsonNode n) {
        return n.isNumber() ? n.asText() : "-";
    }
}
