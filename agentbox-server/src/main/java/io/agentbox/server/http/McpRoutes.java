package io.agentbox.server.http;

import io.agentbox.client.AgentboxClient;
import io.agentbox.server.mcp.AgentboxMcp;
import io.agentbox.server.mcp.ClientBackend;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpStatelessServerHandler;
import io.modelcontextprotocol.server.McpStatelessSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStatelessServerTransport;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /mcp}: agentbox's tools for MCP clients over Streamable HTTP, stateless. Each POST is one
 * JSON-RPC message, authenticated and rate-limited like every route (the API key as the bearer token);
 * the tools act through this server's own REST API as the caller, so tenancy, roles, validation and
 * quotas are exactly the API's. A {@code tools/call} whose client accepts {@code text/event-stream} is
 * answered as a stream: its progress notifications, then its result.
 */
public final class McpRoutes {
    private static final McpJsonMapper JSON = McpJsonDefaults.getMapper();
    private static final String CALLER_KEY = "agentbox.apiKey";

    private final Transport transport = new Transport();
    private final McpStatelessSyncServer server;
    private final long maxBodyBytes;

    /** @param self the base URL of this server's REST API, reachable from the server itself */
    public McpRoutes(Supplier<String> self, String version, long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
        this.server = McpServer.sync(transport)
                .serverInfo(AgentboxMcp.SERVER_NAME, version)
                .instructions(AgentboxMcp.INSTRUCTIONS)
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                // the tools check their input themselves, with messages that name the argument
                .validateToolInputs(false)
                // run_start waits for the run, which the server's run timeout bounds
                .requestTimeout(Duration.ofHours(25))
                .tools(AgentboxMcp.stateless(ctx -> new ClientBackend(AgentboxClient.create(self.get(), (String) ctx.get(CALLER_KEY)))))
                .build();
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.post("/mcp", "mcp", "MCP over Streamable HTTP (stateless): agentbox's sandbox and run tools").tag("mcp")
                        .rawBody("application/json")
                        .returns(200, "A JSON-RPC response, or for tools/call an event stream of progress notifications and the response",
                                "application/json")
                        .returns(202, "A notification or response was accepted", Schema.anyObject())
                        .handle(this::post),
                ApiRoute.get("/mcp", "mcpStream", "Not offered: the MCP endpoint is stateless and sends nothing unasked").tag("mcp")
                        .returns(405, "No server-initiated stream", Schema.ref("Error"))
                        .handle(c -> {
                            throw new ApiException(405, "method_not_allowed", "this MCP endpoint is stateless: POST JSON-RPC messages to /mcp");
                        }));
    }

    public void close() {
        server.close();
    }

    private void post(Call c) {
        byte[] body = Call.readBounded(c.ctx(), maxBodyBytes);
        McpSchema.JSONRPCMessage message;
        try {
            com.fasterxml.jackson.databind.JsonNode tree = Json.parse(new String(body, StandardCharsets.UTF_8));
            boolean valid = tree != null && tree.isObject() && "2.0".equals(tree.path("jsonrpc").asText())
                    && (tree.path("method").isTextual() || tree.has("id") && (tree.has("result") || tree.has("error")));
            if (!valid) {
                c.ctx().status(400).contentType("application/json").result(rpcError(null, McpSchema.ErrorCodes.INVALID_REQUEST,
                        "expected one JSON-RPC 2.0 message (an object with \"jsonrpc\": \"2.0\" and a \"method\")"));
                return;
            }
            message = McpSchema.deserializeJsonRpcMessage(JSON, tree.toString());
        } catch (IOException | RuntimeException e) {
            c.ctx().status(400).contentType("application/json").result(rpcError(null, McpSchema.ErrorCodes.PARSE_ERROR,
                    "not a JSON-RPC message: " + e.getMessage()));
            return;
        }
        String header = c.ctx().header("Authorization");
        String key = header == null ? "" : header.trim().substring(Math.min(7, header.trim().length())).trim();
        switch (message) {
            case McpSchema.JSONRPCRequest request -> answer(c, request, key);
            case McpSchema.JSONRPCNotification n -> {
                transport.handler().handleNotification(McpTransportContext.create(Map.of(CALLER_KEY, key)), n).block(Duration.ofSeconds(30));
                c.ctx().status(202);
            }
            default -> c.ctx().status(202); // a response to nothing we asked
        }
    }

    private void answer(Call c, McpSchema.JSONRPCRequest request, String key) {
        String accept = c.ctx().header("Accept");
        boolean stream = "tools/call".equals(request.method()) && accept != null && accept.contains("text/event-stream");
        if (!stream) {
            McpSchema.JSONRPCResponse response = transport.handler()
                    .handleRequest(McpTransportContext.create(Map.of(CALLER_KEY, key)), request).block();
            c.ctx().status(200).contentType("application/json").result(write(response));
            return;
        }
        var res = c.ctx().res();
        res.setStatus(200);
        res.setContentType("text/event-stream;charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        try {
            OutputStream out = res.getOutputStream();
            Object lock = new Object();
            AgentboxMcp.ProgressSink sink = n -> {
                synchronized (lock) {
                    event(out, new McpSchema.JSONRPCNotification(McpSchema.JSONRPC_VERSION, McpSchema.METHOD_NOTIFICATION_PROGRESS, n));
                }
            };
            McpSchema.JSONRPCResponse response = transport.handler()
                    .handleRequest(McpTransportContext.create(Map.of(CALLER_KEY, key, AgentboxMcp.PROGRESS, sink)), request).block();
            synchronized (lock) {
                event(out, response);
            }
        } catch (IOException | UncheckedIOException e) {
            // the client went away; the run it started goes on (run_cancel stops it)
        }
    }

    private static void event(OutputStream out, Object message) {
        try {
            out.write(("event: message\ndata: " + write(message) + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String write(Object message) {
        try {
            return JSON.writeValueAsString(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JSON-RPC error answer to a message we could not take (so without an id). */
    private static String rpcError(Object id, int code, String text) {
        com.fasterxml.jackson.databind.node.ObjectNode o = Json.object().put("jsonrpc", "2.0");
        o.putNull("id");
        o.putObject("error").put("code", code).put("message", text);
        return Json.write(o);
    }

    /** The SDK's stateless server talks to us through this: we hand it each request and write its answer. */
    private static final class Transport implements McpStatelessServerTransport {
        private volatile McpStatelessServerHandler handler;

        @Override
        public void setMcpHandler(McpStatelessServerHandler handler) {
            this.handler = handler;
        }

        McpStatelessServerHandler handler() {
            return handler;
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.empty();
        }
    }
}
