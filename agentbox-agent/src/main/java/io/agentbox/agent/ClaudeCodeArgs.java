package io.agentbox.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.ConfigException;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.mcp.McpServerConfig;
import io.agentbox.agent.permission.PermissionMode;
import io.agentbox.agent.permission.ToolRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Our options as Claude Code's flags; every value travels as its own argument, never as shell text. */
final class ClaudeCodeArgs {
    private ClaudeCodeArgs() {}

    static List<String> argv(String binary, AgentOptions o, UUID session, boolean resume) {
        List<String> a = new ArrayList<>(List.of(binary, "-p", "--output-format", "stream-json", "--verbose",
                "--input-format", "stream-json", "--include-partial-messages", "--model", o.model()));
        a.addAll(List.of(resume ? "--resume" : "--session-id", session.toString()));
        o.maxTurns().ifPresent(n -> a.addAll(List.of("--max-turns", String.valueOf(n))));
        if (!o.allowedTools().isEmpty()) a.addAll(List.of("--allowedTools", rules(o.allowedTools())));
        if (!o.disallowedTools().isEmpty()) a.addAll(List.of("--disallowedTools", rules(o.disallowedTools())));
        a.addAll(List.of("--permission-mode", o.permissionMode().wireName()));
        // it runs as the sandbox's user, not root, so bypass mode is allowed once acknowledged
        if (o.permissionMode() == PermissionMode.BYPASS_PERMISSIONS) a.add("--allow-dangerously-skip-permissions");
        o.systemPrompt().ifPresent(p -> a.addAll(List.of("--system-prompt", p)));
        o.appendSystemPrompt().ifPresent(p -> a.addAll(List.of("--append-system-prompt", p)));
        if (!o.mcpServers().isEmpty()) a.addAll(List.of("--mcp-config", mcpConfig(o.mcpServers())));
        return a;
    }

    /** Claude Code's rule syntax is ours; one argument, rules separated by blanks (as it splits them). */
    private static String rules(List<ToolRule> rules) {
        return String.join(" ", rules.stream().map(ToolRule::toString).toList());
    }

    /**
     * {@code .mcp.json}'s shape. HTTP servers with headers are refused: the headers (usually a credential)
     * would enter the sandbox, which Claude Code runs in.
     */
    static String mcpConfig(Map<String, McpServerConfig> servers) {
        ObjectNode root = Events.mapper().createObjectNode();
        ObjectNode all = root.putObject("mcpServers");
        servers.forEach((name, server) -> {
            ObjectNode s = all.putObject(name);
            s.put("type", server.type());
            switch (server) {
                case McpServerConfig.Stdio st -> {
                    s.put("command", st.command());
                    st.args().forEach(s.putArray("args")::add);
                    ObjectNode env = s.putObject("env");
                    st.env().forEach(env::put);
                }
                case McpServerConfig.Http h -> url(name, s, h.url(), h.headers());
                case McpServerConfig.Sse h -> url(name, s, h.url(), h.headers());
            }
        });
        return root.toString();
    }

    private static void url(String name, ObjectNode s, java.net.URI url, Map<String, String> headers) {
        if (!headers.isEmpty()) {
            throw new ConfigException("MCP server '" + name + "' has headers, which the claude-code runtime would have to put inside "
                    + "the sandbox; use the native runtime for it");
        }
        s.put("url", url.toString());
    }
}
