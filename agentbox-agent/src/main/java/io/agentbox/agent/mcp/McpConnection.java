package io.agentbox.agent.mcp;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.AgentErrorCategory;
import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.Sandbox;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One connected MCP server of a run. Every operation is bounded by a timeout and raced against the
 * server's end: a server that exits, or misses a timeout, is marked failed (and stopped), reported once
 * to {@code onFailure}, and every later call fails at once with the same reason.
 */
final class McpConnection implements AutoCloseable {
    private static final McpJsonMapper JSON = McpJsonDefaults.getMapper();

    private final String name;
    private final McpServerConfig config;
    private final McpTimeouts timeouts;
    private final McpAsyncClient client;
    private final Optional<SandboxStdioTransport> stdio;
    /** Completes (with the reason) when the server can no longer be used. */
    private final CompletableFuture<String> dead = new CompletableFuture<>();
    private final AtomicBoolean failing = new AtomicBoolean();
    private final Map<Object, Consumer<McpSchema.ProgressNotification>> progress = new ConcurrentHashMap<>();
    private volatile Consumer<String> onFailure = reason -> { };
    private List<McpSchema.Tool> tools = List.of();

    private McpConnection(String name, McpServerConfig config, McpTimeouts timeouts, McpClientTransport transport,
                          Optional<SandboxStdioTransport> stdio) {
        this.name = name;
        this.config = config;
        this.timeouts = timeouts;
        this.stdio = stdio;
        this.client = McpClient.async(transport)
                .clientInfo(new McpSchema.Implementation("agentbox", "0.1.0"))
                // our own timeouts (in await) decide, and stop the server; the SDK's are a backstop
                .requestTimeout(timeouts.call().plusSeconds(30))
                .initializationTimeout(timeouts.startup().plusSeconds(30))
                .progressConsumer(n -> {
                    Consumer<McpSchema.ProgressNotification> c = progress.get(n.progressToken());
                    if (c != null) {
                        try {
                            c.accept(n);
                        } catch (RuntimeException ignored) {
                            // a listener's failure does not concern the server
                        }
                    }
                    return Mono.empty();
                })
                .build();
        stdio.ifPresent(s -> s.exited().thenAccept(this::fail));
    }

    /**
     * Starts (stdio, in the sandbox) or reaches (HTTP, from the host) the server, does the handshake and
     * lists its tools, all within the startup timeout.
     *
     * @throws AgentboxException ({@code tool_error}) with a clear reason when the server cannot be used
     */
    static McpConnection open(String name, McpServerConfig config, Sandbox sandbox, String cwd, McpTimeouts timeouts) {
        McpConnection c = switch (config) {
            case McpServerConfig.Stdio s -> {
                SandboxStdioTransport t = new SandboxStdioTransport(sandbox, s, cwd, JSON);
                yield new McpConnection(name, config, timeouts, t, Optional.of(t));
            }
            case McpServerConfig.Http h -> {
                checkNetwork(name, h.url(), sandbox.info().network());
                yield new McpConnection(name, config, timeouts, HttpClientStreamableHttpTransport.builder(origin(h.url()))
                        .endpoint(pathAndQuery(h.url())).connectTimeout(timeouts.startup())
                        .requestBuilder(requestWith(h.headers())).jsonMapper(JSON).build(), Optional.empty());
            }
            case McpServerConfig.Sse s -> {
                checkNetwork(name, s.url(), sandbox.info().network());
                yield new McpConnection(name, config, timeouts, HttpClientSseClientTransport.builder(origin(s.url()))
                        .sseEndpoint(pathAndQuery(s.url())).connectTimeout(timeouts.startup())
                        .requestBuilder(requestWith(s.headers())).jsonMapper(JSON).build(), Optional.empty());
            }
        };
        try {
            long deadline = System.nanoTime() + timeouts.startup().toNanos();
            c.await(c.client.initialize(), remaining(deadline), "initialize", timeouts.startup());
            List<McpSchema.Tool> all = new ArrayList<>();
            String cursor = null;
            if (c.client.getServerCapabilities() == null || c.client.getServerCapabilities().tools() != null) {
                do {
                    McpSchema.ListToolsResult page = c.await(c.client.listTools(cursor), remaining(deadline), "tools/list", timeouts.startup());
                    if (page.tools() != null) all.addAll(page.tools());
                    cursor = page.nextCursor();
                } while (cursor != null && !cursor.isEmpty());
            }
            c.tools = List.copyOf(all);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    String name() {
        return name;
    }

    McpServerConfig config() {
        return config;
    }

    List<McpSchema.Tool> tools() {
        return tools;
    }

    boolean hasResources() {
        McpSchema.ServerCapabilities caps = client.getServerCapabilities();
        return caps != null && caps.resources() != null;
    }

    /** Called once, with the reason, when the server fails after it was connected. */
    void onFailure(Consumer<String> listener) {
        this.onFailure = listener;
    }

    /** Why the server can no longer be used, once that is so. */
    Optional<String> failure() {
        return Optional.ofNullable(dead.getNow(null));
    }

    McpSchema.CallToolResult callTool(String tool, Map<String, Object> arguments, String progressToken,
                                      Consumer<McpSchema.ProgressNotification> onProgress, CompletableFuture<String> canceled) {
        progress.put(progressToken, onProgress);
        try {
            McpSchema.CallToolRequest request = new McpSchema.CallToolRequest(tool, arguments, Map.of("progressToken", progressToken));
            return await(client.callTool(request), timeouts.call(), "tools/call " + tool, canceled);
        } finally {
            progress.remove(progressToken);
        }
    }

    List<McpSchema.Resource> listResources(CompletableFuture<String> canceled) {
        List<McpSchema.Resource> all = new ArrayList<>();
        String cursor = null;
        do {
            McpSchema.ListResourcesResult page = await(client.listResources(cursor), timeouts.call(), "resources/list", canceled);
            if (page.resources() != null) all.addAll(page.resources());
            cursor = page.nextCursor();
        } while (cursor != null && !cursor.isEmpty());
        return all;
    }

    McpSchema.ReadResourceResult readResource(String uri, CompletableFuture<String> canceled) {
        return await(client.readResource(new McpSchema.ReadResourceRequest(uri)), timeouts.call(), "resources/read", canceled);
    }

    /** Startup steps share one deadline; the message names the whole startup limit. */
    private <T> T await(Mono<T> operation, Duration timeout, String what, Duration startupLimit) {
        return await(operation, timeout, what, new CompletableFuture<>(), startupLimit);
    }

    private <T> T await(Mono<T> operation, Duration timeout, String what, CompletableFuture<String> canceled) {
        return await(operation, timeout, what, canceled, timeout);
    }

    /** Waits for the operation, its timeout, the server's end or a cancel, whichever comes first. */
    private <T> T await(Mono<T> operation, Duration timeout, String what, CompletableFuture<String> canceled, Duration limit) {
        failure().ifPresent(reason -> { throw error("MCP server '" + name + "' is not available: " + reason); });
        CompletableFuture<T> result = operation.toFuture();
        CompletableFuture<Object> first = CompletableFuture.anyOf(result, dead, canceled);
        try {
            first.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            String reason = what + " got no answer within " + Durations.format(limit);
            fail(reason);
            throw error("MCP server '" + name + "' " + reason + "; the server was stopped");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.cancel(true);
            throw error("interrupted while waiting for MCP server '" + name + "'");
        } catch (ExecutionException | CancellationException ignored) {
            // told apart below
        }
        if (result.isDone()) {
            try {
                return result.join();
            } catch (RuntimeException e) {
                throw error("MCP server '" + name + "' failed " + what + ": " + describe(e));
            }
        }
        result.cancel(true);
        if (canceled.isDone()) throw new AgentboxException(ErrorCategory.CANCELED, "Interrupted: " + canceled.getNow("the run was canceled"));
        throw error("MCP server '" + name + "' ended during " + what + ": " + dead.getNow("closed"));
    }

    /**
     * Marks the server failed (first reason wins), tells the listener, then wakes the calls waiting on it
     * and stops it: a caller that sees the failure knows its event was already emitted, so a run that
     * goes on to end never drops it.
     */
    private void fail(String reason) {
        if (dead.isDone() || !failing.compareAndSet(false, true)) return;
        try {
            onFailure.accept(reason);
        } catch (RuntimeException ignored) {
            // the listener only reports
        }
        dead.complete(reason);
        stop();
    }

    private void stop() {
        stdio.ifPresent(SandboxStdioTransport::stop);
        try {
            client.closeGracefully().block(Duration.ofSeconds(2));
        } catch (RuntimeException ignored) {
            // the server is gone or unresponsive either way
        }
    }

    @Override
    public void close() {
        if (dead.complete("closed")) stop();
    }

    private static AgentboxException error(String message) {
        return new AgentboxException(AgentErrorCategory.TOOL_ERROR, message);
    }

    static String describe(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof ExecutionException
                || t.getClass() == RuntimeException.class && t.getCause() != null) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof McpError m && m.getJsonRpcError() != null) return m.getJsonRpcError().message();
        String msg = t.getMessage();
        return msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
    }

    private static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime()));
    }

    /**
     * HTTP servers are reached from the host, so the run's network policy is checked here: a run whose
     * sandbox may not reach a host must not reach it through an MCP server either.
     */
    static void checkNetwork(String name, URI url, NetworkPolicy policy) {
        String host = url.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        boolean allowed = switch (policy) {
            case NetworkPolicy.Open o -> true;
            case NetworkPolicy.None n -> false;
            case NetworkPolicy.Allow a -> {
                String h = host;
                yield a.domains().stream().map(d -> d.toLowerCase(Locale.ROOT)).anyMatch(d -> h.equals(d) || h.endsWith("." + d));
            }
        };
        if (!allowed) {
            throw error("MCP server '" + name + "' at " + host + " is not reachable: the run's network policy ("
                    + policy.name() + ") does not allow " + host);
        }
    }

    private static String origin(URI url) {
        return url.getScheme() + "://" + url.getRawAuthority();
    }

    private static String pathAndQuery(URI url) {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        return url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
    }

    private static HttpRequest.Builder requestWith(Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder();
        headers.forEach(b::header);
        return b;
    }
}
