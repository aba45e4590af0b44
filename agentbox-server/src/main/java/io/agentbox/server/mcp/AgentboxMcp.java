package io.agentbox.server.mcp;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpStatelessServerFeatures;
import io.modelcontextprotocol.spec.McpSchema;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The tools of {@link AgentboxTools} as MCP SDK tool specifications, for a stateful (stdio) or a stateless (HTTP) server. */
public final class AgentboxMcp {
    /** Transport-context key of the request's {@link AgentboxTools.Progress} sink (HTTP). */
    public static final String PROGRESS = "agentbox.progress";
    public static final String SERVER_NAME = "agentbox";
    public static final String INSTRUCTIONS = "agentbox runs commands and Claude agents in isolated sandboxes. "
            + "Create a sandbox with sandbox_create, then sandbox_exec / sandbox_read_file / sandbox_write_file in it, "
            + "and sandbox_kill it when done; or hand a whole task to an agent with run_start.";

    private AgentboxMcp() {}

    /** For a stateful server (stdio): progress goes to the exchange when the request asked for it. */
    public static List<McpServerFeatures.SyncToolSpecification> stateful(AgentboxBackend backend) {
        return AgentboxTools.all().stream().map(def -> McpServerFeatures.SyncToolSpecification.builder().tool(def.tool())
                .callHandler((exchange, request) -> AgentboxTools.call(def, backend, request.arguments(),
                        progressToken(request).<AgentboxTools.Progress>map(token -> (p, total, message) ->
                                exchange.progressNotification(new McpSchema.ProgressNotification(token, p, total.orElse(null), message, null)))
                                .orElse(AgentboxTools.Progress.NONE)))
                .build()).toList();
    }

    /**
     * For a stateless server (HTTP): the backend is the caller's ({@code backendFor} reads the transport
     * context the endpoint filled), progress goes to the sink under {@link #PROGRESS}.
     */
    public static List<McpStatelessServerFeatures.SyncToolSpecification> stateless(Function<McpTransportContext, AgentboxBackend> backendFor) {
        return AgentboxTools.all().stream().map(def -> McpStatelessServerFeatures.SyncToolSpecification.builder().tool(def.tool())
                .callHandler((ctx, request) -> {
                    Object sink = ctx.get(PROGRESS);
                    AgentboxTools.Progress progress = progressToken(request).isPresent() && sink instanceof ProgressSink s
                            ? (p, total, message) -> s.send(new McpSchema.ProgressNotification(progressToken(request).get(), p, total.orElse(null), message, null))
                            : AgentboxTools.Progress.NONE;
                    return AgentboxTools.call(def, backendFor.apply(ctx), request.arguments(), progress);
                })
                .build()).toList();
    }

    /** Where an HTTP request's progress notifications go (the open SSE response). */
    @FunctionalInterface
    public interface ProgressSink {
        void send(McpSchema.ProgressNotification notification);
    }

    private static Optional<Object> progressToken(McpSchema.CallToolRequest request) {
        Map<String, Object> meta = request.meta();
        return meta == null ? Optional.empty() : Optional.ofNullable(meta.get("progressToken"));
    }
}
