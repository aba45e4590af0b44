package io.agentbox.agent;

import io.agentbox.ConfigException;

import io.agentbox.agent.cost.Pricing;
import io.agentbox.agent.event.EventListener;
import io.agentbox.agent.hook.PostToolUseHook;
import io.agentbox.agent.hook.PreToolUseHook;
import io.agentbox.agent.hook.StopHook;
import io.agentbox.agent.mcp.McpServerConfig;
import io.agentbox.agent.mcp.McpTimeouts;
import io.agentbox.agent.model.AnthropicModelClient;
import io.agentbox.agent.model.ModelClient;
import io.agentbox.agent.permission.PermissionCallback;
import io.agentbox.agent.permission.PermissionMode;
import io.agentbox.agent.permission.ToolRule;
import io.agentbox.agent.session.SessionStore;
import io.agentbox.agent.tools.BuiltinTools;
import io.agentbox.agent.tools.Tool;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.Sandboxes;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A Claude agent whose tools run inside a sandbox. Immutable and reusable: every {@link #run} is
 * independent; {@link #newSession()} keeps a conversation (and its sandbox) across runs.
 * <pre>{@code
 * try (Agent agent = Agent.builder().model("claude-sonnet-4-5").sandbox(spec).build()) {
 *     AgentResult r = agent.run("Create hello.py and run it", event -> System.out.println(event));
 * }
 * }</pre>
 */
public final class Agent implements AutoCloseable {
    private final AgentOptions options;
    private final boolean ownsModelClient;

    private Agent(AgentOptions options, boolean ownsModelClient) {
        this.options = options;
        this.ownsModelClient = ownsModelClient;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding this agent's settings, to derive a variant ({@code agent.newBuilder().maxTurns(5).build()}).
     * The variant shares this agent's model client; closing it leaves the client open.
     */
    public Builder newBuilder() {
        return new Builder(options);
    }

    /** Closes the model client when this agent created it (no {@link Builder#modelClient} was given). */
    @Override
    public void close() {
        if (!ownsModelClient) return;
        try {
            options.modelClient().close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the model client failed: " + e.getMessage(), e);
        }
    }

    public AgentOptions options() {
        return options;
    }

    /** Runs the prompt to its end in a new session and returns the result. */
    public AgentResult run(String prompt, EventListener listener) {
        return start(prompt, listener).await();
    }

    /**
     * Starts the prompt in a new session and returns at once. The sandbox created for it is killed
     * at the end unless {@code keepSandbox} (then it stays for its idle timeout); the conversation is saved to the session store, so it
     * can be continued with {@link #resumeSession} (in a new sandbox if the old one is gone).
     */
    public AgentRun start(String prompt, EventListener listener) {
        AgentSession session = newSession();
        return session.start(prompt, listener, !options.keepSandbox());
    }

    /** A new multi-turn session; its sandbox is created on the first run and kept between runs. */
    public AgentSession newSession() {
        return AgentSession.create(options);
    }

    /** Continues a stored session, possibly created by another process. */
    public AgentSession resumeSession(String sessionId) {
        return AgentSession.resume(options, options.sessionStore().load(sessionId)
                .orElseThrow(() -> new ConfigException("no session '" + sessionId + "' in the session store")));
    }

    /** Continues the most recently used session ({@code --continue}). */
    public AgentSession resumeLatestSession() {
        return AgentSession.resume(options, options.sessionStore().latest()
                .orElseThrow(() -> new ConfigException("there is no session to continue")));
    }

    public static final class Builder {
        private String model;
        private String systemPrompt;
        private String appendSystemPrompt;
        private List<Tool> tools = BuiltinTools.all();
        private final List<ToolRule> allowed = new ArrayList<>();
        private final List<ToolRule> disallowed = new ArrayList<>();
        private PermissionMode permissionMode = PermissionMode.BYPASS_PERMISSIONS;
        private PermissionCallback permissionCallback;
        private final List<PreToolUseHook> pre = new ArrayList<>();
        private final List<PostToolUseHook> post = new ArrayList<>();
        private final List<StopHook> stop = new ArrayList<>();
        private Integer maxTurns;
        private BigDecimal maxBudgetUsd;
        private Duration timeout;
        private Integer thinkingBudget;
        private int maxTokens = 32_000;
        private SandboxSpec sandboxSpec = SandboxSpec.builder().build();
        private Sandbox sandbox;
        private SandboxProvider sandboxProvider;
        private boolean keepSandbox;
        private Duration sandboxLease;
        private SandboxListener sandboxListener = SandboxListener.NONE;
        private String workingDirectory;
        private ModelClient modelClient;
        private Pricing pricing;
        private SessionStore sessionStore;
        private int contextWindow = 200_000;
        private Tracing tracing = Tracing.off();
        private final Map<String, McpServerConfig> mcpServers = new LinkedHashMap<>();
        private McpTimeouts mcpTimeouts = McpTimeouts.DEFAULT;
        private AgentRuntime runtime = AgentRuntime.nativeLoop();

        private Builder() {}

        private Builder(AgentOptions o) {
            model = o.model();
            systemPrompt = o.systemPrompt().orElse(null);
            appendSystemPrompt = o.appendSystemPrompt().orElse(null);
            tools = o.tools();
            allowed.addAll(o.allowedTools());
            disallowed.addAll(o.disallowedTools());
            permissionMode = o.permissionMode();
            permissionCallback = o.permissionCallback().orElse(null);
            pre.addAll(o.preToolUseHooks());
            post.addAll(o.postToolUseHooks());
            stop.addAll(o.stopHooks());
            maxTurns = o.maxTurns().isPresent() ? o.maxTurns().getAsInt() : null;
            maxBudgetUsd = o.maxBudgetUsd().orElse(null);
            timeout = o.timeout().orElse(null);
            thinkingBudget = o.thinkingBudget().isPresent() ? o.thinkingBudget().getAsInt() : null;
            maxTokens = o.maxTokens();
            sandboxSpec = o.sandboxSpec();
            sandbox = o.sandbox().orElse(null);
            sandboxProvider = o.sandboxProvider().orElse(null);
            keepSandbox = o.keepSandbox();
            sandboxLease = o.sandboxLease().orElse(null);
            sandboxListener = o.sandboxListener();
            workingDirectory = o.workingDirectory().orElse(null);
            modelClient = o.modelClient();
            pricing = o.pricing();
            sessionStore = o.sessionStore();
            contextWindow = o.contextWindow();
            tracing = o.tracing();
            mcpServers.putAll(o.mcpServers());
            mcpTimeouts = o.mcpTimeouts();
            runtime = o.runtime();
        }

        /** The model id; default {@code ANTHROPIC_MODEL} (environment or {@code .env}), else {@code claude-sonnet-4-5}. */
        public Builder model(String model) { this.model = model; return this; }
        /** Replaces the built-in system prompt. */
        public Builder systemPrompt(String prompt) { this.systemPrompt = prompt; return this; }
        /** Appends to the system prompt. */
        public Builder appendSystemPrompt(String prompt) { this.appendSystemPrompt = prompt; return this; }
        /** The tools offered to the model (default: all built-ins). */
        public Builder tools(List<Tool> tools) { this.tools = List.copyOf(tools); return this; }
        /** Adds a tool to the set. */
        public Builder addTool(Tool tool) { List<Tool> t = new ArrayList<>(tools); t.add(tool); tools = t; return this; }
        /** Rules that pre-approve calls, e.g. {@code Bash(git:*)}, {@code Edit(src/**)}. */
        public Builder allowedTools(String... rules) { for (String r : rules) allowed.add(ToolRule.parse(r)); return this; }
        /** Rules that refuse calls in every mode; a plain tool name also hides the tool from the model. */
        public Builder disallowedTools(String... rules) { for (String r : rules) disallowed.add(ToolRule.parse(r)); return this; }
        /** Default {@code bypassPermissions}: the sandbox is the boundary; deny rules and hooks still apply. */
        public Builder permissionMode(PermissionMode mode) { this.permissionMode = Objects.requireNonNull(mode); return this; }
        public Builder permissionCallback(PermissionCallback callback) { this.permissionCallback = callback; return this; }
        public Builder preToolUse(PreToolUseHook hook) { pre.add(hook); return this; }
        public Builder postToolUse(PostToolUseHook hook) { post.add(hook); return this; }
        public Builder onStop(StopHook hook) { stop.add(hook); return this; }
        /** Model calls per run. */
        public Builder maxTurns(int turns) { if (turns < 1) throw new IllegalArgumentException("maxTurns must be >= 1"); maxTurns = turns; return this; }
        /** Model cost plus sandbox compute per run, in USD. */
        public Builder maxBudgetUsd(BigDecimal usd) { if (usd.signum() <= 0) throw new IllegalArgumentException("maxBudgetUsd must be > 0"); maxBudgetUsd = usd; return this; }
        public Builder maxBudgetUsd(double usd) { return maxBudgetUsd(BigDecimal.valueOf(usd)); }
        /** Wall-clock limit per run; the run fails with category {@code timeout}. */
        public Builder timeout(Duration timeout) { if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive"); this.timeout = timeout; return this; }
        /** Enables extended thinking with this budget (tokens, at least 1024). */
        public Builder thinkingBudget(int tokens) { if (tokens < 1024) throw new IllegalArgumentException("thinking budget must be >= 1024 tokens"); thinkingBudget = tokens; return this; }
        public Builder maxTokens(int tokens) { if (tokens < 1) throw new IllegalArgumentException("maxTokens must be >= 1"); maxTokens = tokens; return this; }
        /** The spec of the sandboxes the agent creates (and owns: renews, recreates, kills). */
        public Builder sandbox(SandboxSpec spec) { this.sandboxSpec = Objects.requireNonNull(spec); return this; }
        /** Borrows this sandbox instead of creating one: the agent never renews, recreates or kills it. */
        public Builder useSandbox(Sandbox sandbox) { this.sandbox = Objects.requireNonNull(sandbox); return this; }
        /** Default: {@link Sandboxes#local()}. */
        public Builder sandboxProvider(SandboxProvider provider) { this.sandboxProvider = provider; return this; }
        /**
         * {@link Agent#run} and {@link AgentSession#close} leave the sandbox they own alive (until its idle
         * timeout, else its timeout) for a later turn, instead of killing it.
         */
        public Builder keepSandbox(boolean keep) { this.keepSandbox = keep; return this; }
        /**
         * While a run is active, keeps an owned sandbox's deadline this far ahead (renewed every fifth of it):
         * a process that dies mid-run leaves a sandbox that ends itself within the lease. Default: none, the
         * deadline is set once per run to the spec's idle timeout, else its timeout.
         */
        public Builder sandboxLease(Duration lease) {
            if (lease.compareTo(Duration.ofSeconds(5)) < 0) throw new IllegalArgumentException("sandbox lease must be at least 5s, got " + lease);
            this.sandboxLease = lease;
            return this;
        }
        /** Hears of each sandbox the agent's sessions create, acquire and end (the server records them). */
        public Builder sandboxListener(SandboxListener listener) { this.sandboxListener = Objects.requireNonNull(listener); return this; }
        /** The tools' starting directory in the sandbox (default: its workdir). */
        public Builder workingDirectory(String dir) {
            if (!dir.startsWith("/")) throw new IllegalArgumentException("working directory must be absolute in the sandbox, got " + dir);
            workingDirectory = dir;
            return this;
        }
        /** Default: {@link AnthropicModelClient#fromEnvironment()}, closed by {@link Agent#close()}. */
        public Builder modelClient(ModelClient client) { this.modelClient = client; return this; }
        /** Default: {@link Pricing#standard()}. */
        public Builder pricing(Pricing pricing) { this.pricing = pricing; return this; }
        /** Default: in memory; the CLI uses {@link SessionStore#defaultStore()}. */
        public Builder sessionStore(SessionStore store) { this.sessionStore = store; return this; }
        /** OpenTelemetry spans of runs; default {@link Tracing#off()}. */
        public Builder tracing(Tracing tracing) { this.tracing = Objects.requireNonNull(tracing); return this; }
        /**
         * Adds an MCP server whose tools the model gets as {@code mcp__<name>__<tool>}; a stdio server runs
         * inside the run's sandbox, an HTTP one is reached from here if the sandbox's network policy allows its host.
         */
        public Builder mcpServer(String name, McpServerConfig server) {
            McpServerConfig.checkName(name);
            mcpServers.put(name, Objects.requireNonNull(server, "server"));
            return this;
        }
        /** Adds MCP servers, e.g. from {@link io.agentbox.agent.mcp.McpConfig#parse(String)}. */
        public Builder mcpServers(Map<String, McpServerConfig> servers) { servers.forEach(this::mcpServer); return this; }
        /** Default {@link McpTimeouts#DEFAULT}: 30s to start a server, 10m per call. */
        public Builder mcpTimeouts(McpTimeouts timeouts) { this.mcpTimeouts = Objects.requireNonNull(timeouts); return this; }
        /** What drives runs: {@link AgentRuntime#nativeLoop()} (default) or {@link AgentRuntime#claudeCode()}. */
        public Builder runtime(AgentRuntime runtime) { this.runtime = Objects.requireNonNull(runtime); return this; }
        public Builder contextWindow(int tokens) { if (tokens < 1000) throw new IllegalArgumentException("context window too small"); contextWindow = tokens; return this; }

        /** @throws ConfigException when no model client is given and no API key is configured */
        public Agent build() {
            boolean owned = modelClient == null;
            ModelClient client = owned ? AnthropicModelClient.fromEnvironment() : modelClient;
            String m = model != null ? model : client.defaultModel();
            return new Agent(new AgentOptions(m, Optional.ofNullable(systemPrompt), Optional.ofNullable(appendSystemPrompt),
                    tools, allowed, disallowed, permissionMode, Optional.ofNullable(permissionCallback), pre, post, stop,
                    maxTurns == null ? OptionalInt.empty() : OptionalInt.of(maxTurns), Optional.ofNullable(maxBudgetUsd),
                    Optional.ofNullable(timeout), thinkingBudget == null ? OptionalInt.empty() : OptionalInt.of(thinkingBudget),
                    maxTokens, sandboxSpec, Optional.ofNullable(sandbox), Optional.ofNullable(sandboxProvider).or(() -> sandbox == null ? Optional.of(Sandboxes.local()) : Optional.empty()), keepSandbox,
                    Optional.ofNullable(sandboxLease), sandboxListener,
                    Optional.ofNullable(workingDirectory), client, pricing != null ? pricing : Pricing.standard(),
                    sessionStore != null ? sessionStore : SessionStore.inMemory(), contextWindow,
                    mcpServers, mcpTimeouts, tracing, runtime), owned);
        }
    }
}
