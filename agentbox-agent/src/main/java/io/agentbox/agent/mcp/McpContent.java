package io.agentbox.agent.mcp;

import io.agentbox.agent.event.Events;
import io.modelcontextprotocol.spec.McpSchema;

import java.util.ArrayList;
import java.util.List;

/** Turns MCP results into the text a tool result carries. */
final class McpContent {
    private McpContent() {}

    static String render(McpSchema.CallToolResult result) {
        List<String> parts = new ArrayList<>();
        if (result.content() != null) result.content().forEach(c -> parts.add(render(c)));
        if (parts.isEmpty() && result.structuredContent() != null) parts.add(json(result.structuredContent()));
        return parts.isEmpty() ? "(no content)" : String.join("\n", parts);
    }

    static String render(McpSchema.Content content) {
        return switch (content) {
            case McpSchema.TextContent t -> t.text();
            case McpSchema.ImageContent i -> "[image: " + i.mimeType() + ", " + base64Bytes(i.data()) + " bytes]";
            case McpSchema.AudioContent a -> "[audio: " + a.mimeType() + ", " + base64Bytes(a.data()) + " bytes]";
            case McpSchema.EmbeddedResource r -> render(r.resource());
            case McpSchema.ResourceLink l -> "[resource link: " + l.uri() + (l.name() == null ? "" : " (" + l.name() + ")") + "]";
            default -> json(content);
        };
    }

    static String render(McpSchema.ResourceContents contents) {
        return switch (contents) {
            case McpSchema.TextResourceContents t -> t.text();
            case McpSchema.BlobResourceContents b -> "[binary resource " + b.uri() + ": "
                    + (b.mimeType() == null ? "application/octet-stream" : b.mimeType()) + ", " + base64Bytes(b.blob()) + " bytes]";
            default -> json(contents);
        };
    }

    static String json(Object value) {
        return Events.mapper().valueToTree(value).toString();
    }

    static String cap(String text, int max) {
        if (text.length() <= max) return text;
        int half = max / 2;
        return text.substring(0, half) + "\n\n[... " + (text.length() - 2 * half) + " characters truncated ...]\n\n"
                + text.substring(text.length() - half);
    }

    private static long base64Bytes(String data) {
        return data == null ? 0 : data.length() * 3L / 4;
    }
}
