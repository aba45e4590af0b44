package io.agentbox.agent.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.Cost;
import io.agentbox.agent.Usage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The payload of an {@link Event}; {@link #type()} is its wire name. New types may be added, the
 * meaning of an existing one never changes.
 */
public sealed interface EventData {

    /**
     * A run began. {@code tools} are the names offered to the model (MCP tools included); {@code mcpServers}
     * the run's MCP servers with their status after startup; {@code traceId} the run's OpenTelemetry trace,
     * when it is traced.
     */
    record RunStarted(String sessionId, String model, String prompt, List<String> tools, String permissionMode, String cwd,
                      List<McpServerStatus> mcpServers,
                      @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<String> traceId) implements EventData {
        public RunStarted(String sessionId, String model, String prompt, List<String> tools, String permissionMode, String cwd,
                          List<McpServerStatus> mcpServers) {
            this(sessionId, model, prompt, tools, permissionMode, cwd, mcpServers, Optional.empty());
        }

        public RunStarted {
            tools = List.copyOf(tools);
            mcpServers = mcpServers == null ? List.of() : List.copyOf(mcpServers); // absent in events of older runs
            traceId = traceId == null ? Optional.empty() : traceId;
        }

        public RunStarted(String sessionId, String model, String prompt, List<String> tools, String permissionMode, String cwd) {
            this(sessionId, model, prompt, tools, permissionMode, cwd, List.of());
        }
    }

    /**
     * An MCP server's state: after startup ({@code connected} with its tool count, or {@code failed}), and again
     * when it fails during the run (it exited, or missed a timeout and was stopped). {@code transport} is
     * {@code stdio}, {@code http} or {@code sse}; {@code error} says why it failed.
     */
    record McpServerStatus(String name, String status, String transport, int tools, Optional<String> error) implements EventData {
        public static final String CONNECTED = "connected";
        public static final String FAILED = "failed";

        public McpServerStatus {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(status, "status");
            error = error == null ? Optional.empty() : error;
        }
    }

    /** Progress reported by an MCP server during a tool call ({@code id} is the tool call's id). */
    record McpProgress(String id, String server, String tool, double progress, Optional<Double> total, Optional<String> message)
            implements EventData {
        public McpProgress {
            total = total == null ? Optional.empty() : total;
            message = message == null ? Optional.empty() : message;
        }
    }

    /** The run's sandbox accepts commands. {@code reused}: it was kept from an earlier turn of the session. */
    record SandboxReady(String sandboxId, String template, String workdir, boolean reused) implements EventData {}

    /** The session's sandbox had ended (expired or killed), so a new, empty one replaced it. */
    record SandboxRecreated(String previousSandboxId, String sandboxId, String reason) implements EventData {}

    record TextDelta(String text) implements EventData {}

    /** A complete text block of the model's answer. */
    record Text(String text) implements EventData {}

    record ThinkingDelta(String thinking) implements EventData {}

    /** A complete thinking block. */
    record Thinking(String thinking) implements EventData {}

    /** The model asked for a tool; it runs next (unless rules, permission or a hook stop it). */
    record ToolCall(String id, String name, JsonNode input) implements EventData {}

    record ToolResult(String id, String output, @JsonProperty("isError") boolean isError, long durationMs) implements EventData {}

    /**
     * The sandbox's egress refused a network attempt during a tool call (the same fields as a line of
     * {@code agentbox sandbox audit --json}).
     */
    record NetworkDenied(String ts, String kind, String host, String ip, int port, String protocol, String decision, String reason)
            implements EventData {}

    /** The permission callback was asked about a tool call ({@code id} is the tool call's id). */
    record PermissionRequest(String id, String name, JsonNode input) implements EventData {}

    /** Usage and cost of one model call. */
    record ModelUsage(String model, String messageId, Usage usage, java.math.BigDecimal cost) implements EventData {}

    /** A model call failed in a way worth retrying; the next attempt starts after {@code delayMs}. */
    record Retry(int attempt, int maxRetries, long delayMs, ErrorCategory category, int status, String message)
            implements EventData {}

    /** Older turns were replaced by a model-written summary to stay within the context window. */
    record Compaction(int messagesBefore, int messagesAfter, long tokensBefore) implements EventData {}

    /**
     * Added by the server before the terminal event: the files the run produced and stored as artifacts,
     * and those it left out with the reason (a limit, a file that would run code where it is checked out).
     */
    record Artifacts(int count, long bytes, List<Captured> artifacts, List<Skipped> skipped) implements EventData {
        public Artifacts {
            artifacts = List.copyOf(artifacts);
            skipped = List.copyOf(skipped);
        }

        public record Captured(String id, String path, long size) {}

        public record Skipped(String path, long size, String reason) {}
    }

    /**
     * The run ended with the model's answer. {@code claudeCodeCostUsd}: with the claude-code runtime, Claude Code's
     * own {@code total_cost_usd}, kept beside our {@code cost} (which comes from our pricing, like every run's).
     */
    record RunCompleted(String result, long durationMs, int turns, Usage usage, Cost cost,
                        @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<java.math.BigDecimal> claudeCodeCostUsd) implements EventData {
        public RunCompleted {
            claudeCodeCostUsd = claudeCodeCostUsd == null ? Optional.empty() : claudeCodeCostUsd;
        }

        public RunCompleted(String result, long durationMs, int turns, Usage usage, Cost cost) {
            this(result, durationMs, turns, usage, cost, Optional.empty());
        }
    }

    record RunFailed(ErrorCategory category, String message, long durationMs, int turns, Usage usage, Cost cost)
            implements EventData {
        public RunFailed {
            Objects.requireNonNull(category, "category");
        }
    }

    record RunCanceled(String reason, long durationMs, int turns, Usage usage, Cost cost) implements EventData {}

    /** The wire name, e.g. {@code tool.call}. */
    @JsonIgnore
    default String type() {
        return Types.NAMES.get(getClass());
    }

    /** True for the last event of a run: {@code run.completed}, {@code run.failed}, {@code run.canceled}. */
    @JsonIgnore
    default boolean isTerminal() {
        return this instanceof RunCompleted || this instanceof RunFailed || this instanceof RunCanceled;
    }

    final class Types {
        static final Map<Class<? extends EventData>, String> NAMES = new LinkedHashMap<>();
        static final Map<String, Class<? extends EventData>> CLASSES = new LinkedHashMap<>();

        static {
            add("run.started", RunStarted.class);
            add("sandbox.ready", SandboxReady.class);
            add("sandbox.recreated", SandboxRecreated.class);
            add("text.delta", TextDelta.class);
            add("text", Text.class);
            add("thinking.delta", ThinkingDelta.class);
            add("thinking", Thinking.class);
            add("tool.call", ToolCall.class);
            add("tool.result", ToolResult.class);
            add("permission.request", PermissionRequest.class);
            add("network.denied", NetworkDenied.class);
            add("usage", ModelUsage.class);
            add("retry", Retry.class);
            add("compaction", Compaction.class);
            add("mcp.server", McpServerStatus.class);
            add("mcp.progress", McpProgress.class);
            add("artifacts", Artifacts.class);
            add("run.completed", RunCompleted.class);
            add("run.failed", RunFailed.class);
            add("run.canceled", RunCanceled.class);
        }

        private static void add(String name, Class<? extends EventData> type) {
            NAMES.put(type, name);
            CLASSES.put(name, type);
        }

        private Types() {}
    }
}
