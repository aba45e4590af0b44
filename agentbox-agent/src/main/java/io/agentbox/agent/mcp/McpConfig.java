package io.agentbox.agent.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.ConfigException;
import io.agentbox.agent.event.Events;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads MCP server configuration in Claude Code's {@code .mcp.json} format:
 * <pre>{@code
 * {"mcpServers": {
 *   "memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"], "env": {"K": "v"}},
 *   "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/", "headers": {"Authorization": "Bearer ${GITHUB_TOKEN}"}}
 * }}
 * }</pre>
 * {@code ${VAR}} and {@code ${VAR:-default}} in commands, arguments, environment values, URLs and headers
 * are expanded from the given environment (the host's, for the CLI); a variable that is unset and has
 * no default is an error, so a server never starts with half a credential.
 */
public final class McpConfig {
    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    private static final Set<String> STDIO_FIELDS = Set.of("type", "command", "args", "env");
    private static final Set<String> HTTP_FIELDS = Set.of("type", "url", "headers");

    private McpConfig() {}

    /** Parses a whole {@code .mcp.json} document (or its {@code mcpServers} object alone), expanding variables from {@code env}. */
    public static Map<String, McpServerConfig> parse(String json, Function<String, Optional<String>> env) {
        JsonNode root;
        try {
            root = Events.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new ConfigException("invalid MCP configuration: not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new ConfigException("invalid MCP configuration: expected a JSON object with \"mcpServers\"");
        JsonNode servers = root.has("mcpServers") ? root.get("mcpServers") : root;
        return parseServers(servers, Optional.of(env));
    }

    /** Parses with the process environment, as the CLI does. */
    public static Map<String, McpServerConfig> parse(String json) {
        return parse(json, name -> Optional.ofNullable(System.getenv(name)));
    }

    /**
     * Parses an {@code mcpServers} object. Without {@code env}, text is taken as it is: the server
     * does this for its API's run option, where expanding its own environment would hand its secrets to any caller.
     */
    public static Map<String, McpServerConfig> parseServers(JsonNode servers, Optional<Function<String, Optional<String>>> env) {
        if (servers == null || !servers.isObject()) throw new ConfigException("invalid MCP configuration: mcpServers must be an object of name -> server");
        Map<String, McpServerConfig> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = servers.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                McpServerConfig.checkName(e.getKey());
                out.put(e.getKey(), server(e.getKey(), e.getValue(), env));
            } catch (IllegalArgumentException ex) {
                throw new ConfigException("invalid MCP configuration: " + ex.getMessage());
            }
        }
        return out;
    }

    private static McpServerConfig server(String name, JsonNode node, Optional<Function<String, Optional<String>>> env) {
        if (!node.isObject()) throw new IllegalArgumentException("server '" + name + "' must be an object");
        String where = "server '" + name + "'";
        String type = node.has("type") ? text(node.get("type"), where + ": type") : node.has("url") ? "http" : "stdio";
        switch (type) {
            case "stdio" -> {
                unknown(node, STDIO_FIELDS, where);
                if (!node.hasNonNull("command")) throw new IllegalArgumentException(where + " needs a \"command\" (or \"type\": \"http\" with a \"url\")");
                String command = expand(text(node.get("command"), where + ": command"), env, where);
                List<String> args = new ArrayList<>();
                JsonNode a = node.path("args");
                if (!a.isMissingNode() && !a.isNull()) {
                    if (!a.isArray()) throw new IllegalArgumentException(where + ": args must be an array of strings");
                    for (JsonNode arg : a) args.add(expand(text(arg, where + ": args"), env, where));
                }
                return new McpServerConfig.Stdio(command, args, strings(node.path("env"), env, where + ": env"));
            }
            case "http", "sse", "streamable-http" -> {
                unknown(node, HTTP_FIELDS, where);
                if (!node.hasNonNull("url")) throw new IllegalArgumentException(where + " needs a \"url\"");
                String raw = expand(text(node.get("url"), where + ": url"), env, where);
                URI url;
                try {
                    url = new URI(raw);
                } catch (URISyntaxException ex) {
                    throw new IllegalArgumentException(where + ": invalid url: " + ex.getMessage());
                }
                Map<String, String> headers = strings(node.path("headers"), env, where + ": headers");
                return type.equals("sse") ? new McpServerConfig.Sse(url, headers) : new McpServerConfig.Http(url, headers);
            }
            default -> throw new IllegalArgumentException(where + ": unknown type '" + type + "' (expected stdio, http or sse)");
        }
    }

    private static void unknown(JsonNode node, Set<String> known, String where) {
        node.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) throw new IllegalArgumentException(where + ": unknown field '" + f + "' (expected " + String.join(", ", known.stream().sorted().toList()) + ")");
        });
    }

    private static Map<String, String> strings(JsonNode node, Optional<Function<String, Optional<String>>> env, String where) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) return out;
        if (!node.isObject()) throw new IllegalArgumentException(where + " must be an object of strings");
        node.fields().forEachRemaining(e -> out.put(e.getKey(), expand(text(e.getValue(), where + "." + e.getKey()), env, where)));
        return out;
    }

    private static String text(JsonNode node, String where) {
        if (!node.isTextual()) throw new IllegalArgumentException(where + " must be a string");
        return node.textValue();
    }

    /** Expands {@code ${VAR}} and {@code ${VAR:-default}}; the error names the variable, never a value. */
    static String expand(String text, Optional<Function<String, Optional<String>>> env, String where) {
        if (env.isEmpty()) return text;
        Matcher m = VAR.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Optional<String> value = env.get().apply(m.group(1)).filter(v -> !v.isEmpty());
            String replacement = value.or(() -> Optional.ofNullable(m.group(2))).orElseThrow(() -> new IllegalArgumentException(
                    where + ": environment variable " + m.group(1) + " is not set (write ${" + m.group(1) + ":-default} for a default)"));
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
