package io.agentbox.agent;

import io.agentbox.agent.cost.Pricing;
import io.agentbox.agent.hook.PostToolUseHook;
import io.agentbox.agent.hook.PreToolUseHook;
import io.agentbox.agent.hook.StopHook;
import io.agentbox.agent.mcp.McpServerConfig;
import io.agentbox.agent.mcp.McpTimeouts;
import io.agentbox.agent.model.ModelClient;
import io.agentbox.agent.permission.PermissionCallback;
import io.agentbox.agent.permission.PermissionMode;
import io.agentbox.agent.permission.ToolRule;
import io.agentbox.agent.session.SessionStore;
import io.agentbox.agent.tools.Tool;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxSpec;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything an {@link Agent} runs with; built by {@link Agent#builder()}.
 *
 * @param systemPrompt       replaces the built-in system prompt when present
 * @param appendSystemPrompt added after the (built-in or replaced) system prompt
 * @param maxTurns           model calls per run
 * @param maxBudgetUsd       model cost plus sandbox compute per run
 * @param timeout            wall-clock limit per run
 * @param sandbox            an existing sandbox to run in (borrowed: never renewed or killed by the agent); else
 *                           each session creates and owns one from {@code sandboxSpec}
 * @param keepSandbox        {@link Agent#run} and {@link AgentSession#close} leave the sandbox they own alive
 *                           (until its idle timeout, else its timeout) instead of killing it
 * @param sandboxLease       while a run is active, an owned sandbox's deadline is kept this far ahead, so a
 *                           process that dies mid-run leaves a sandbox that ends itself within the lease
 * @param sandboxListener    hears of each owned sandbox created, acquired by a run and ended
 * @param workingDirectory   the tools' starting directory in the sandbox (default: the sandbox's workdir)
 * @param contextWindow      tokens the model can read; older turns are compacted before it is reached
 * @param mcpServers         MCP servers whose tools the model gets, by name (stdio ones run inside the sandbox)
 * @param mcpTimeouts        limits of starting MCP servers and of each MCP call
 * @param tracing            OpenTelemetry spans of runs (default off)
 * @param runtime            what drives the run: the native loop (default) or Claude Code inside the sandbox
 */
public record AgentOptions(
        String model,
        Optional<String> systemPrompt,
        Optional<String> appendSystemPrompt,
        List<Tool> tools,
        List<ToolRule> allowedTools,
        List<ToolRule> disallowedTools,
        PermissionMode permissionMode,
        Optional<PermissionCallback> permissionCallback,
        List<PreToolUseHook> preToolUseHooks,
        List<PostToolUseHook> postToolUseHooks,
        List<StopHook> stopHooks,
        OptionalInt maxTurns,
        Optional<BigDecimal> maxBudgetUsd,
        Optional<Duration> timeout,
        OptionalInt thinkingBudget,
        int maxTokens,
        SandboxSpec sandboxSpec,
        Optional<Sandbox> sandbox,
        Optional<SandboxProvider> sandboxProvider,
        boolean keepSandbox,
        Optional<Duration> sandboxLease,
        SandboxListener sandboxListener,
        Optional<String> workingDirectory,
        ModelClient modelClient,
        Pricing pricing,
        SessionStore sessionStore,
        int contextWindow,
        Map<String, McpServerConfig> mcpServers,
        McpTimeouts mcpTimeouts,
        Tracing tracing,
        AgentRuntime runtime) {

    public AgentOptions {
        tools = List.copyOf(tools);
        allowedTools = List.copyOf(allowedTools);
        disallowedTools = List.copyOf(disallowedTools);
        preToolUseHooks = List.copyOf(preToolUseHooks);
        postToolUseHooks = List.copyOf(postToolUseHooks);
        stopHooks = List.copyOf(stopHooks);
        mcpServers = Collections.unmodifiableMap(new LinkedHashMap<>(mcpServers)); // keeps the configured order
        mcpServers.keySet().forEach(McpServerConfig::checkName);
        Objects.requireNonNull(mcpTimeouts, "mcpTimeouts");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(sandboxListener, "sandboxListener");
    }
}
