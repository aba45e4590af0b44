package io.agentbox.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.Durations;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** The {@code options} object of runs and sessions: its schema and its validation, side by side. */
public final class RunOptions {
    public static final List<String> PERMISSION_MODES = List.of("default", "acceptEdits", "plan", "bypassPermissions");
    public static final List<String> NETWORKS = List.of("none", "open");
    private static final Pattern TEMPLATE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private RunOptions() {}

    public static Schema schema() {
        return Schema.object()
                .prop("maxTurns", Schema.integer().min(1).max(1000).description("model calls before the run ends with max_turns"))
                .prop("maxBudgetUsd", Schema.number().min(0).description("spend limit of this run in USD (model + sandbox)"))
                .prop("timeout", Schema.string().description("wall-clock limit, e.g. 10m (capped by the server's run timeout)"))
                .prop("systemPrompt", Schema.string().max(100_000).description("replaces the default system prompt"))
                .prop("appendSystemPrompt", Schema.string().max(100_000).description("appended to the default system prompt"))
                .prop("allowedTools", Schema.arrayOf(Schema.string()).description("tool rules, e.g. Bash(git:*)"))
                .prop("disallowedTools", Schema.arrayOf(Schema.string()).description("tool rules that are never allowed"))
                .prop("permissionMode", Schema.enumOf(PERMISSION_MODES.toArray(String[]::new)))
                .prop("network", Schema.enumOf(NETWORKS.toArray(String[]::new)).description("sandbox network (default none)"))
                .prop("captureArtifacts", Schema.bool().description("capture files created or changed under /workspace (default true)"));
    }

    /** Validates the options and returns them normalized (only known fields, typed). */
    public static ObjectNode parse(Optional<JsonBody> options) {
        ObjectNode out = Json.object();
        if (options.isEmpty()) return out;
        JsonBody o = options.get().allowOnly(schema().propertyNames());
        o.integer("maxTurns", 1, 1000).ifPresent(v -> out.put("maxTurns", v));
        o.number("maxBudgetUsd", 0, 1_000_000).ifPresent(v -> out.put("maxBudgetUsd", v));
        o.string("timeout", 20).ifPresent(v -> {
            Duration d;
            try {
                d = Durations.parse(v);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalidField("options.timeout", "must be a duration such as 30s, 10m or 2h (got '" + v + "')");
            }
            if (d.isZero()) throw ApiException.invalidField("options.timeout", "must be positive");
            out.put("timeout", v);
        });
        o.string("systemPrompt", 100_000).ifPresent(v -> out.put("systemPrompt", v));
        o.string("appendSystemPrompt", 100_000).ifPresent(v -> out.put("appendSystemPrompt", v));
        o.stringList("allowedTools", 200, 500).ifPresent(v -> v.forEach(out.withArray("allowedTools")::add));
        o.stringList("disallowedTools", 200, 500).ifPresent(v -> v.forEach(out.withArray("disallowedTools")::add));
        o.oneOf("permissionMode", s -> PERMISSION_MODES.contains(s) ? Optional.of(s) : Optional.empty(), PERMISSION_MODES)
                .ifPresent(v -> out.put("permissionMode", v));
        o.oneOf("network", s -> NETWORKS.contains(s) ? Optional.of(s) : Optional.empty(), NETWORKS)
                .ifPresent(v -> out.put("network", v));
        o.bool("captureArtifacts").ifPresent(v -> out.put("captureArtifacts", v));
        return out;
    }

    /** A template name: letters, digits, dot, dash and underscore. */
    public static Optional<String> template(JsonBody body) {
        return body.string("template", 100).map(t -> {
            if (!TEMPLATE.matcher(t).matches()) {
                throw ApiException.invalidField("template", "must be a template name (letters, digits, '.', '-', '_')");
            }
            return t;
        });
    }
}
