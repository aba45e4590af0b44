package io.agentbox.agent.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.tools.Tool;
import io.agentbox.agent.tools.ToolAccess;
import io.agentbox.agent.tools.ToolContext;
import io.agentbox.agent.tools.ToolOutput;
import io.modelcontextprotocol.spec.McpSchema;

import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One tool of an MCP server, offered to the model as {@code mcp__<server>__<tool>} with the server's
 * input schema. Permission rules, modes and hooks treat it like any tool: it counts as one that
 * executes (an MCP server can do anything), so it needs approval outside {@code bypassPermissions}.
 */
final class McpTool implements Tool {
    /** Like Claude Code's cap on MCP output; the model sees head and tail of anything longer. */
    static final int MAX_OUTPUT_CHARS = 100_000;

    private final McpConnection server;
    private final McpSchema.Tool tool;
    private final String name;
    private final McpServers.CallScope scope;
    private final Consumer<EventData> events;

    McpTool(McpConnection server, McpSchema.Tool tool, McpServers.CallScope scope, Consumer<EventData> events) {
        this.server = server;
        this.tool = tool;
        this.name = toolName(server.name(), tool.name());
        this.scope = scope;
        this.events = events;
    }

    /** {@code mcp__<server>__<tool>}, with characters the API refuses in tool names replaced by {@code _}, at most 64 long. */
    static String toolName(String server, String tool) {
        String n = "mcp__" + server + "__" + tool.replaceAll("[^A-Za-z0-9_-]", "_");
        return n.length() > 64 ? n.substring(0, 64) : n;
    }

    @Override public String name() { return name; }

    @Override
    public String description() {
        String d = tool.description() != null ? tool.description() : tool.title() != null ? tool.title() : "";
        return d.isBlank() ? "Tool " + tool.name() + " of the MCP server " + server.name() : d;
    }

    @Override
    public ObjectNode inputSchema() {
        ObjectNode schema = tool.inputSchema() == null ? Events.mapper().createObjectNode()
                : Events.mapper().valueToTree(tool.inputSchema());
        if (!schema.has("type")) schema.put("type", "object");
        return schema;
    }

    @Override public ToolAccess access() { return ToolAccess.EXECUTE; }

    @Override
    @SuppressWarnings("unchecked")
    public ToolOutput call(JsonNode input, ToolContext context) {
        Map<String, Object> arguments = input == null || !input.isObject() ? Map.of()
                : Events.mapper().convertValue(input, Map.class);
        McpSchema.CallToolResult result = server.callTool(tool.name(), arguments, context.toolUseId(),
                p -> events.accept(new EventData.McpProgress(context.toolUseId(), server.name(), tool.name(),
                        p.progress() == null ? 0 : p.progress(), Optional.ofNullable(p.total()), Optional.ofNullable(p.message()))),
                scope.canceled());
        String text = McpContent.render(result);
        return new ToolOutput(McpContent.cap(text, MAX_OUTPUT_CHARS), Boolean.TRUE.equals(result.isError()));
    }
}
