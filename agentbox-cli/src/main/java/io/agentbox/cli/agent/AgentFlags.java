package io.agentbox.cli.agent;

import io.agentbox.agent.Agent;
import io.agentbox.agent.AgentRuntime;
import io.agentbox.agent.ClaudeCodeRuntime;
import io.agentbox.ConfigException;
import io.agentbox.agent.mcp.McpConfig;
import io.agentbox.agent.mcp.McpTimeouts;
import io.agentbox.agent.permission.PermissionMode;
import io.agentbox.cli.Converters;
import io.agentbox.cli.NetworkFlags;
import io.agentbox.sandbox.SandboxSpec;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The options {@code run} and {@code chat} share: the model, limits, tools, permissions, sandbox and session. */
final class AgentFlags {
    @Option(names = "--model", paramLabel = "MODEL", description = "Model id (default: ANTHROPIC_MODEL, else claude-sonnet-4-5).")
    String model;

    @Option(names = {"--max-turns"}, paramLabel = "N", description = "Stop after N model calls (exit code 3).")
    Integer maxTurns;

    @Option(names = "--max-budget-usd", paramLabel = "USD", description = "Stop when model plus sandbox cost reaches this (exit code 4).")
    BigDecimal maxBudgetUsd;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Wall-clock limit of a run, e.g. 10m (exit code 5).")
    Duration timeout;

    @Option(names = {"--allowed-tools", "--allowedTools"}, paramLabel = "RULES", split = ",(?![^()]*\\))", splitSynopsisLabel = ",",
            description = "Rules that pre-approve calls, e.g. 'Bash(git:*)' 'Edit(src/**)' (comma separated or repeated).")
    List<String> allowedTools = new ArrayList<>();

    @Option(names = {"--disallowed-tools", "--disallowedTools"}, paramLabel = "RULES", split = ",(?![^()]*\\))", splitSynopsisLabel = ",",
            description = "Rules that refuse calls in every mode; a bare tool name hides the tool (comma separated or repeated).")
    List<String> disallowedTools = new ArrayList<>();

    @Option(names = "--permission-mode", paramLabel = "MODE", converter = PermissionModeConverter.class,
            description = "default (ask), acceptEdits, plan (read-only) or bypassPermissions (the default: the sandbox is the boundary).")
    PermissionMode permissionMode = PermissionMode.BYPASS_PERMISSIONS;

    @ArgGroup(exclusive = true)
    SystemPromptFlags systemPrompt;

    static final class SystemPromptFlags {
        @Option(names = "--system-prompt", paramLabel = "TEXT", description = "Replace the built-in system prompt.")
        String replace;

        @Option(names = "--append-system-prompt", paramLabel = "TEXT", description = "Append to the built-in system prompt.")
        String append;
    }

    @Option(names = "--runtime", paramLabel = "RUNTIME", converter = RuntimeConverter.class,
            description = "native (default: the agent loop in agentbox) or claude-code (Claude Code itself inside the sandbox; "
                    + "install it once with `agentbox runtime install claude-code`).")
    String runtime = AgentRuntime.NATIVE;

    @Option(names = "--template", paramLabel = "NAME", description = "Sandbox template (default: host).")
    String template = SandboxSpec.DEFAULT_TEMPLATE;

    @Mixin
    NetworkFlags network = new NetworkFlags();

    @Option(names = "--upload", paramLabel = "DIR", description = "Copy this folder into /workspace before the run (secret files left out, see --upload-all).")
    Path upload;

    @Option(names = "--upload-all", description = "With --upload: copy secret files too (.env, .env.*, *.pem, *.key, id_*, .netrc, .npmrc, .pypirc, .git-credentials, .ssh/, .aws/, .docker/config.json).")
    boolean uploadAll;

    @Option(names = "--keep", description = "Keep the sandbox after the run (for --continue or `agentbox sandbox exec`).")
    boolean keep;

    @ArgGroup(exclusive = true)
    SessionFlags session;

    static final class SessionFlags {
        @Option(names = {"--session", "--resume", "-r"}, paramLabel = "ID", description = "Continue this session: its conversation and its sandbox.")
        String id;

        @Option(names = {"--continue", "-c"}, description = "Continue the most recent session.")
        boolean latest;
    }

    @Option(names = "--mcp-config", paramLabel = "FILE|JSON",
            description = "MCP servers in Claude Code's .mcp.json format, a file or the JSON itself (repeatable); ${VAR} expands "
                    + "from the environment. stdio servers run inside the sandbox; HTTP ones need --network to allow their host.")
    List<String> mcpConfigs = new ArrayList<>();

    @Option(names = "--no-color", description = "No colours (also when NO_COLOR is set).")
    boolean noColor;

    @Option(names = {"--quiet", "-q"}, description = "Print only the final result (and errors).")
    boolean quiet;

    boolean resumes() {
        return session != null && (session.id != null || session.latest);
    }

    SandboxSpec sandboxSpec() {
        return network.apply(SandboxSpec.builder().template(template)).metadata("agentbox", "run").build();
    }

    /**
     * The runtime named by {@code --runtime}; {@code passthrough} receives Claude Code's own lines
     * ({@code --output-format claude-stream-json} with the claude-code runtime).
     */
    AgentRuntime runtime(Path home, java.util.Optional<java.util.function.Consumer<String>> passthrough) {
        AgentRuntime parsed = AgentRuntime.parse(runtime);
        if (!(parsed instanceof ClaudeCodeRuntime)) return parsed;
        ClaudeCodeRuntime.Builder b = ClaudeCodeRuntime.builder().home(home);
        passthrough.ifPresent(b::passthrough);
        return b.build();
    }

    /** Applies the model, limit, tool, permission and prompt options. */
    Agent.Builder apply(Agent.Builder b) {
        if (model != null) b.model(model);
        if (maxTurns != null) b.maxTurns(maxTurns);
        if (maxBudgetUsd != null) b.maxBudgetUsd(maxBudgetUsd);
        if (timeout != null) b.timeout(timeout);
        b.allowedTools(rules(allowedTools)).disallowedTools(rules(disallowedTools)).permissionMode(permissionMode);
        if (systemPrompt != null && systemPrompt.replace != null) b.systemPrompt(systemPrompt.replace);
        if (systemPrompt != null && systemPrompt.append != null) b.appendSystemPrompt(systemPrompt.append);
        for (String config : mcpConfigs) b.mcpServers(McpConfig.parse(mcpConfigText(config)));
        if (!mcpConfigs.isEmpty()) b.mcpTimeouts(mcpTimeouts(System.getenv()));
        return b;
    }

    /** The value itself when it is JSON, else the file it names. */
    static String mcpConfigText(String value) {
        if (value.strip().startsWith("{")) return value;
        try {
            return java.nio.file.Files.readString(Path.of(value));
        } catch (java.io.IOException e) {
            throw new ConfigException("cannot read the MCP configuration " + value + ": " + e.getMessage());
        }
    }

    /** Claude Code's variables: MCP_TIMEOUT (server startup) and MCP_TOOL_TIMEOUT (each call), in milliseconds. */
    static McpTimeouts mcpTimeouts(java.util.Map<String, String> env) {
        return new McpTimeouts(millis(env, "MCP_TIMEOUT").orElse(McpTimeouts.DEFAULT.startup()),
                millis(env, "MCP_TOOL_TIMEOUT").orElse(McpTimeouts.DEFAULT.call()));
    }

    private static java.util.Optional<Duration> millis(java.util.Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) return java.util.Optional.empty();
        try {
            long ms = Long.parseLong(v.strip());
            if (ms <= 0) throw new NumberFormatException();
            return java.util.Optional.of(Duration.ofMillis(ms));
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be a positive number of milliseconds, got: " + v);
        }
    }

    /** Splits on blanks outside parentheses too, as Claude Code does: {@code "Bash(git log:*) Read"}. */
    static String[] rules(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            StringBuilder cur = new StringBuilder();
            int depth = 0;
            for (char c : v.toCharArray()) {
                if (c == '(') depth++;
                if (c == ')') depth = Math.max(0, depth - 1);
                if (Character.isWhitespace(c) && depth == 0) {
                    if (!cur.isEmpty()) out.add(cur.toString());
                    cur.setLength(0);
                } else {
                    cur.append(c);
                }
            }
            if (!cur.isEmpty()) out.add(cur.toString());
        }
        return out.toArray(String[]::new);
    }

    static final class RuntimeConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return AgentRuntime.parse(value).name();
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class PermissionModeConverter implements ITypeConverter<PermissionMode> {
        @Override
        public PermissionMode convert(String value) {
            try {
                return PermissionMode.fromWireName(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
