package io.agentbox.agent.mcp;

import io.agentbox.AgentboxException;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.tools.Tool;
import io.agentbox.sandbox.Sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The MCP servers of one run: started together (stdio ones inside the run's sandbox) when the run
 * has its sandbox, offered as tools, stopped when the run ends. A server that cannot start is reported
 * {@code failed} and left out; the run goes on without its tools.
 */
public final class McpServers implements AutoCloseable {
    /** Lets calls in flight end at once when the run is canceled. */
    record CallScope(CompletableFuture<String> canceled) {}

    private final List<McpConnection> connected;
    private final List<EventData.McpServerStatus> statuses;
    private final List<Tool> tools;
    private final CallScope scope = new CallScope(new CompletableFuture<>());

    private McpServers(List<McpConnection> connected, List<EventData.McpServerStatus> statuses, Consumer<EventData> events) {
        this.connected = List.copyOf(connected);
        this.statuses = List.copyOf(statuses);
        List<Tool> t = new ArrayList<>();
        for (McpConnection c : connected) {
            c.onFailure(reason -> events.accept(new EventData.McpServerStatus(c.name(), EventData.McpServerStatus.FAILED,
                    c.config().type(), c.tools().size(), Optional.of(reason))));
            c.tools().forEach(tool -> t.add(new McpTool(c, tool, scope, events)));
        }
        List<McpConnection> withResources = connected.stream().filter(McpConnection::hasResources).toList();
        if (!withResources.isEmpty()) t.addAll(McpResourceTools.of(withResources, scope));
        this.tools = List.copyOf(t);
    }

    /** No servers. */
    public static McpServers none() {
        return new McpServers(List.of(), List.of(), e -> { });
    }

    /**
     * Starts every server in parallel, each within {@code timeouts.startup()}.
     *
     * @param cwd    the working directory of stdio servers in the sandbox
     * @param events receives what happens later: {@code mcp.progress}, and {@code mcp.server} when a server fails mid-run
     */
    public static McpServers start(Map<String, McpServerConfig> configs, Sandbox sandbox, String cwd, McpTimeouts timeouts,
                                   Consumer<EventData> events) {
        Map<String, Future<McpConnection>> pending = new LinkedHashMap<>();
        List<McpConnection> connected = new ArrayList<>();
        List<EventData.McpServerStatus> statuses = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            configs.forEach((name, config) -> pending.put(name, pool.submit(() -> McpConnection.open(name, config, sandbox, cwd, timeouts))));
            for (Map.Entry<String, Future<McpConnection>> e : pending.entrySet()) {
                String type = configs.get(e.getKey()).type();
                try {
                    McpConnection c = e.getValue().get();
                    connected.add(c);
                    statuses.add(new EventData.McpServerStatus(e.getKey(), EventData.McpServerStatus.CONNECTED, type, c.tools().size(), Optional.empty()));
                } catch (java.util.concurrent.ExecutionException ex) {
                    Throwable cause = ex.getCause();
                    String why = cause instanceof AgentboxException ? cause.getMessage() : McpConnection.describe(cause);
                    statuses.add(new EventData.McpServerStatus(e.getKey(), EventData.McpServerStatus.FAILED, type, 0, Optional.of(why)));
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    connected.forEach(McpConnection::close);
                    throw new AgentboxException(io.agentbox.ErrorCategory.CANCELED, "interrupted while starting MCP servers");
                }
            }
        }
        return new McpServers(connected, statuses, events);
    }

    /** Each server's state after startup, in configuration order. */
    public List<EventData.McpServerStatus> statuses() {
        return statuses;
    }

    /** The tools of the connected servers ({@code mcp__<server>__<tool>}), plus the resource tools when a server has resources. */
    public List<Tool> tools() {
        return tools;
    }

    /** Ends the calls in flight (the run was canceled); they return "Interrupted" errors. */
    public void cancel(String reason) {
        scope.canceled().complete(reason);
    }

    /** Stops every server (stdio processes in the sandbox are closed, then killed). */
    @Override
    public void close() {
        cancel("the run ended");
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            connected.forEach(c -> pool.submit(c::close));
        }
    }
}
