package io.agentbox.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.ConfigException;
import io.agentbox.agent.mcp.McpConfig;
import io.agentbox.agent.mcp.McpServerConfig;
import io.agentbox.agent.permission.ToolRule;
import io.agentbox.sandbox.Durations;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The {@code options} object of runs and sessions: its schema and its validation, side by side. */
public final class RunOptions {
    public static final List<String> PERMISSION_MODES = List.of("default", "acceptEdits", "plan", "bypassPermissions");
    public static final List<String> NETWORKS = List.of("none", "open");
    public static final List<String> RUNTIMES = List.of("native", "claude-code");
    private static final int MAX_THINKING = 100_000;
    private static final int MAX_MCP_SERVERS = 20;
    private static final Pattern TEMPLATE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private RunOptions() {}

    public static Schema schema() {
        return Schema.object()
                .prop("maxTurns", Schema.integer().min(1).max(1000).description("model calls before the run ends with max_turns"))
                .prop("maxBudgetUsd", Schema.number().min(0).description("spend limit of this run in USD (model + sandbox), more than 0;"
                        + " also capped by what is left of the workspace's daily budget"))
                .prop("timeout", Schema.string().description("wall-clock limit, e.g. 10m (capped by the server's run timeout)"))
                .prop("systemPrompt", Schema.string().max(100_000).description("replaces the default system prompt"))
                .prop("appendSystemPrompt", Schema.string().max(100_000).description("appended to the default system prompt"))
                .prop("thinkingBudget", Schema.integer().min(1024).max(MAX_THINKING).description("enables extended thinking with this many tokens"))
                .prop("allowedTools", Schema.arrayOf(Schema.string()).description("tool rules, e.g. Bash(git:*)"))
                .prop("disallowedTools", Schema.arrayOf(Schema.string()).description("tool rules that are never allowed"))
                .prop("permissionMode", Schema.enumOf(PERMISSION_MODES.toArray(String[]::new))
                        .description("default bypassPermissions (the sandbox is the boundary); default asks over the WebSocket or "
                                + "POST /v1/runs/{id}/permissions/{toolUseId}, and denies when nobody answers in time"))
                .prop("runtime", Schema.enumOf(RUNTIMES.toArray(String[]::new))
                        .description("native (default: the agent loop in the server) or claude-code (Claude Code itself inside the"
                                + " run's sandbox, installed on the server with `agentbox runtime install claude-code`)"))
                .prop("network", Networks.schema())
                .prop("secrets", Networks.secretsSchema())
                .prop("auditAll", Schema.bool().description("record every network connection in the sandbox's audit, not only refusals"))
                .prop("captureArtifacts", Schema.bool().description("capture files created or changed under /workspace (default true)"))
                .prop("mcpServers", Schema.mapOf(Schema.anyObject()).description("MCP servers whose tools the agent gets, in Claude Code's"
                        + " .mcp.json format ({name: {command, args, env} | {type: http|sse, url, headers}}); stdio servers run inside"
                        + " the run's sandbox, HTTP ones are reached from the server only when the run's network allows their host;"
                        + " no ${VAR} expansion; env and header values are shown redacted"));
    }

    /** Validates the options and returns them normalized (only known fields, typed). */
    public static ObjectNode parse(Optional<JsonBody> options) {
        ObjectNode out = Json.object();
        if (options.isEmpty()) return out;
        JsonBody o = options.get().allowOnly(schema().propertyNames());
        o.integer("maxTurns", 1, 1000).ifPresent(v -> out.put("maxTurns", v));
        o.number("maxBudgetUsd", 0, 1_000_000).ifPresent(v -> {
            if (v <= 0) throw ApiException.invalidField("options.maxBudgetUsd", "must be greater than 0");
            out.put("maxBudgetUsd", v);
        });
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
        o.integer("thinkingBudget", 1024, MAX_THINKING).ifPresent(v -> out.put("thinkingBudget", v));
        o.stringList("allowedTools", 200, 500).ifPresent(v -> v.forEach(out.withArray("allowedTools")::add));
        o.stringList("disallowedTools", 200, 500).ifPresent(v -> v.forEach(out.withArray("disallowedTools")::add));
        rules(out, "allowedTools");
        rules(out, "disallowedTools");
        o.oneOf("permissionMode", s -> PERMISSION_MODES.contains(s) ? Optional.of(s) : Optional.empty(), PERMISSION_MODES)
                .ifPresent(v -> out.put("permissionMode", v));
        o.oneOf("runtime", s -> RUNTIMES.contains(s) ? Optional.of(s) : Optional.empty(), RUNTIMES)
                .ifPresent(v -> out.put("runtime", v));
        Optional<io.agentbox.sandbox.NetworkPolicy> network = Networks.policy(o.node().get("network"), "options.network");
        network.ifPresent(p -> out.set("network", Networks.normalized(p)));
        List<io.agentbox.sandbox.SecretInjection> secrets = Networks.secrets(o.node().get("secrets"), "options.secrets");
        if (!secrets.isEmpty()) {
            if (network.isEmpty() || network.get() instanceof io.agentbox.sandbox.NetworkPolicy.None) {
                throw ApiException.invalidField("options.secrets", "secrets need a network (open or allow)");
            }
            secrets.forEach(si -> out.withArray("secrets").add(si.toString()));
        }
        o.bool("auditAll").ifPresent(v -> out.put("auditAll", v));
        o.bool("captureArtifacts").ifPresent(v -> out.put("captureArtifacts", v));
        o.object("mcpServers").ifPresent(v -> {
            if (v.node().size() > MAX_MCP_SERVERS) throw ApiException.invalidField("options.mcpServers", "at most " + MAX_MCP_SERVERS + " servers");
            try {
                // the server's own environment is never expanded into a caller's configuration
                McpConfig.parseServers(v.node(), Optional.empty());
            } catch (ConfigException e) {
                throw ApiException.invalidField("options.mcpServers", e.getMessage().replaceFirst("^invalid MCP configuration: ", ""));
            }
            out.set("mcpServers", v.node().deepCopy());
        });
        return out;
    }

    /** The MCP servers of normalized options, as the agent takes them. */
    public static Map<String, McpServerConfig> mcpServers(JsonNode options) {
        JsonNode servers = options.path("mcpServers");
        return servers.isObject() ? McpConfig.parseServers(servers, Optional.empty()) : Map.of();
    }

    /** Options as shown to API clients: the values of MCP servers' {@code env} and {@code headers} (credentials) are redacted. */
    public static JsonNode redacted(JsonNode options) {
        if (!options.path("mcpServers").isObject()) return options;
        ObjectNode copy = options.deepCopy();
        copy.get("mcpServers").forEach(server -> {
            for (String field : List.of("env", "headers")) {
                if (server.path(field) instanceof ObjectNode values) values.fieldNames().forEachRemaining(k -> values.put(k, "[redacted]"));
            }
        });
        return copy;
    }

    private static void rules(ObjectNode out, String field) {
        var rules = out.path(field);
        for (int i = 0; i < rules.size(); i++) {
            try {
                ToolRule.parse(rules.get(i).asText());
            } catch (IllegalArgumentException e) {
                throw ApiException.invalidField("options." + field + "[" + i + "]", "is not a tool rule: " + e.getMessage());
            }
        }
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
