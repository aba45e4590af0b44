package io.agentbox.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.ErrorCategory;
import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.CliException;
import io.agentbox.cli.Main;
import io.agentbox.cli.Json;
import io.agentbox.cli.Table;
import io.agentbox.client.AgentboxClient;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** What the client-mode commands share: the client from {@code --server}/{@code --api-key} (or the environment) and output. */
final class Remote {
    private Remote() {}

    /** {@code --server} beats {@code AGENTBOX_SERVER}; {@code --api-key} beats {@code AGENTBOX_API_KEY}. */
    static AgentboxClient client(CommandSpec spec) {
        AgentboxCommand root = (AgentboxCommand) spec.root().userObject();
        Map<String, String> env = new HashMap<>(System.getenv());
        root.server().ifPresent(s -> env.put("AGENTBOX_SERVER", s));
        root.apiKey().ifPresent(k -> env.put("AGENTBOX_API_KEY", k));
        String key = env.get("AGENTBOX_API_KEY");
        if (key == null || key.isBlank()) {
            throw new CliException(ErrorCategory.CONFIG, "no API key for the server: pass --api-key KEY or set AGENTBOX_API_KEY", Main.EXIT_USAGE);
        }
        return AgentboxClient.fromEnvironment(env);
    }

    static PrintWriter out(CommandSpec spec) {
        return spec.commandLine().getOut();
    }

    /** The server's JSON as it is ({@code --json}), or a table of the {@code data} array. */
    static void list(CommandSpec spec, JsonNode page, boolean json, String[] headers, Function<JsonNode, String[]> row) {
        if (json) {
            Json.print(out(spec), page);
            return;
        }
        Table table = new Table(headers);
        page.path("data").forEach(item -> table.row(row.apply(item)));
        table.print(out(spec));
        if (page.hasNonNull("nextCursor")) {
            spec.commandLine().getErr().println("more: --cursor " + page.get("nextCursor").asText());
            spec.commandLine().getErr().flush();
        }
    }

    /** The server's JSON as it is ({@code --json}), or one {@code field  value} line per field. */
    static void show(CommandSpec spec, JsonNode object, boolean json) {
        if (json) {
            Json.print(out(spec), object);
            return;
        }
        List<String[]> rows = new ArrayList<>();
        object.properties().forEach(e -> {
            JsonNode v = e.getValue();
            if (!v.isNull()) rows.add(new String[] {e.getKey(), v.isValueNode() ? v.asText() : v.toString()});
        });
        if (rows.isEmpty()) return;
        Table table = new Table(rows.getFirst());
        rows.subList(1, rows.size()).forEach(table::row);
        table.print(out(spec));
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() ? "-" : v.asText();
    }

    static String shorten(String s, int max) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() <= max ? one : one.substring(0, max - 1) + "…";
    }
}
