package io.agentbox.agent.mcp;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to reach one MCP server, as an entry of Claude Code's {@code .mcp.json} ({@link McpConfig}).
 * A {@link Stdio} server is started INSIDE the run's sandbox (as the sandbox user, under its limits);
 * {@link Http} (Streamable HTTP) and {@link Sse} servers are reached from the host, only where the
 * run's network policy allows the URL's host, and their headers never enter the sandbox.
 */
public sealed interface McpServerConfig {
    /** Server names become part of tool names ({@code mcp__<server>__<tool>}), so they keep to the API's tool-name alphabet. */
    Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,48}");

    /** {@code stdio}, {@code http} or {@code sse}, as in {@code .mcp.json}'s {@code type}. */
    String type();

    /** A command run in the sandbox; {@code env} is added to the sandbox's environment for it alone. */
    record Stdio(String command, List<String> args, Map<String, String> env) implements McpServerConfig {
        public Stdio {
            Objects.requireNonNull(command, "command");
            if (command.isBlank()) throw new IllegalArgumentException("an MCP stdio server needs a command");
            args = List.copyOf(args);
            env = Map.copyOf(env);
        }

        public static Stdio of(String command, String... args) {
            return new Stdio(command, List.of(args), Map.of());
        }

        @Override public String type() { return "stdio"; }

        /** The argv to run. */
        public List<String> argv() {
            return java.util.stream.Stream.concat(java.util.stream.Stream.of(command), args.stream()).toList();
        }
    }

    /** A Streamable HTTP server; {@code headers} are sent with every request (e.g. {@code Authorization}). */
    record Http(URI url, Map<String, String> headers) implements McpServerConfig {
        public Http {
            checkUrl(url);
            headers = Map.copyOf(headers);
        }

        public static Http of(String url) {
            return new Http(URI.create(url), Map.of());
        }

        @Override public String type() { return "http"; }

        @Override public String toString() {
            return "Http[url=" + url + ", headers=" + headers.keySet() + "]"; // header values may be secrets
        }
    }

    /** A server of the older HTTP+SSE transport. */
    record Sse(URI url, Map<String, String> headers) implements McpServerConfig {
        public Sse {
            checkUrl(url);
            headers = Map.copyOf(headers);
        }

        @Override public String type() { return "sse"; }

        @Override public String toString() {
            return "Sse[url=" + url + ", headers=" + headers.keySet() + "]";
        }
    }

    static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid MCP server name '" + name
                    + "': use 1 to 48 letters, digits, '_' or '-' (it becomes part of the tool names mcp__<server>__<tool>)");
        }
    }

    private static void checkUrl(URI url) {
        Objects.requireNonNull(url, "url");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
            throw new IllegalArgumentException("an MCP server URL must be http:// or https:// with a host, got: " + url);
        }
    }
}
