package io.agentbox.agent.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.tools.Tool;
import io.agentbox.agent.tools.ToolAccess;
import io.agentbox.agent.tools.ToolContext;
import io.agentbox.agent.tools.ToolOutput;
import io.modelcontextprotocol.spec.McpSchema;

import java.util.List;
import java.util.Optional;

/** Claude Code's {@code ListMcpResources} and {@code ReadMcpResource}: the resources of the run's MCP servers. */
final class McpResourceTools {
    private McpResourceTools() {}

    static List<Tool> of(List<McpConnection> servers, McpServers.CallScope scope) {
        return List.of(new ListResources(servers, scope), new ReadResource(servers, scope));
    }

    private static Optional<McpConnection> find(List<McpConnection> servers, String name) {
        return servers.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    private static String names(List<McpConnection> servers) {
        return String.join(", ", servers.stream().map(McpConnection::name).toList());
    }

    private record ListResources(List<McpConnection> servers, McpServers.CallScope scope) implements Tool {
        @Override public String name() { return "ListMcpResources"; }

        @Override
        public String description() {
            return "Lists the resources of the connected MCP servers (uri, name, mimeType, description), "
                    + "of one server when `server` is given. Read one with ReadMcpResource.";
        }

        @Override
        public ObjectNode inputSchema() {
            ObjectNode s = Events.mapper().createObjectNode().put("type", "object");
            s.putObject("properties").putObject("server").put("type", "string").put("description", "Only this server's resources");
            return s;
        }

        @Override public ToolAccess access() { return ToolAccess.READ; }

        @Override
        public ToolOutput call(JsonNode input, ToolContext context) {
            Optional<String> only = Optional.ofNullable(input == null ? null : input.path("server").textValue());
            List<McpConnection> targets = only.map(n -> find(servers, n).map(List::of).orElse(List.of())).orElse(servers);
            if (only.isPresent() && targets.isEmpty()) {
                return ToolOutput.error("No MCP server with resources named '" + only.get() + "' (servers: " + names(servers) + ")");
            }
            ArrayNode out = Events.mapper().createArrayNode();
            for (McpConnection s : targets) {
                for (McpSchema.Resource r : s.listResources(scope.canceled())) {
                    ObjectNode o = out.addObject().put("server", s.name()).put("uri", r.uri()).put("name", r.name());
                    if (r.mimeType() != null) o.put("mimeType", r.mimeType());
                    if (r.description() != null) o.put("description", r.description());
                }
            }
            return ToolOutput.ok(McpContent.cap(out.toString(), McpTool.MAX_OUTPUT_CHARS));
        }
    }

    private record ReadResource(List<McpConnection> servers, McpServers.CallScope scope) implements Tool {
        @Override public String name() { return "ReadMcpResource"; }

        @Override public String description() { return "Reads a resource of an MCP server by its URI (see ListMcpResources)."; }

        @Override
        public ObjectNode inputSchema() {
            ObjectNode s = Events.mapper().createObjectNode().put("type", "object");
            ObjectNode p = s.putObject("properties");
            p.putObject("server").put("type", "string").put("description", "The MCP server's name");
            p.putObject("uri").put("type", "string").put("description", "The resource's URI");
            s.putArray("required").add("server").add("uri");
            return s;
        }

        @Override public ToolAccess access() { return ToolAccess.READ; }

        @Override
        public ToolOutput call(JsonNode input, ToolContext context) {
            String server = input == null ? null : input.path("server").textValue();
            String uri = input == null ? null : input.path("uri").textValue();
            if (server == null || uri == null) return ToolOutput.error("ReadMcpResource needs `server` and `uri` (strings)");
            Optional<McpConnection> s = find(servers, server);
            if (s.isEmpty()) return ToolOutput.error("No MCP server with resources named '" + server + "' (servers: " + names(servers) + ")");
            McpSchema.ReadResourceResult r = s.get().readResource(uri, scope.canceled());
            ArrayNode contents = Events.mapper().createArrayNode();
            if (r.contents() != null) {
                for (McpSchema.ResourceContents c : r.contents()) {
                    ObjectNode o = contents.addObject().put("uri", c.uri());
                    if (c.mimeType() != null) o.put("mimeType", c.mimeType());
                    o.put("text", McpContent.render(c));
                }
            }
            ObjectNode out = Events.mapper().createObjectNode();
            out.set("contents", contents);
            return ToolOutput.ok(McpContent.cap(out.toString(), McpTool.MAX_OUTPUT_CHARS));
        }
    }
}
