package io.agentbox.agent;

import io.agentbox.ConfigException;
import io.agentbox.agent.claudecode.ClaudeCodeInstall;
import io.agentbox.agent.model.ModelClient;
import io.agentbox.agent.model.ModelEndpoint;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.sandbox.SecretInjection;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * Claude Code itself ({@code claude -p}, stream-json both ways) as the agent, inside the run's sandbox as
 * its user, with our options as its flags. The model key never enters the sandbox: Claude Code talks to
 * {@code http://}{@value #MODEL_HOST}, which the sandbox's egress forwards to the model client's endpoint
 * with the real credential added; the sandbox holds a placeholder.
 */
public final class ClaudeCodeRuntime extends AgentRuntime {
    /** The name Claude Code reaches the model by, inside the sandbox. */
    public static final String MODEL_HOST = "api.anthropic.agentbox";

    private final Optional<ClaudeCodeInstall> install;
    private final Path home;
    private final OptionalInt maxRetries;
    private final Optional<Consumer<String>> passthrough;

    private ClaudeCodeRuntime(Builder b) {
        this.install = Optional.ofNullable(b.install);
        this.home = b.home;
        this.maxRetries = b.maxRetries;
        this.passthrough = Optional.ofNullable(b.passthrough);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return CLAUDE_CODE;
    }

    /** The install to mount: the one given, else the data dir's current one; empty: rely on the template's {@code claude}. */
    public Optional<ClaudeCodeInstall> install() {
        return install.or(() -> ClaudeCodeInstall.find(home));
    }

    OptionalInt maxRetries() {
        return maxRetries;
    }

    Optional<Consumer<String>> passthrough() {
        return passthrough;
    }

    /**
     * The user's spec plus: the install mounted read-only, the model host reachable (a sandbox without a
     * network gets one that reaches only that host), routed to the model client's endpoint, and the
     * credential injected at the egress.
     */
    @Override
    public SandboxSpec sandboxSpec(SandboxSpec spec, ModelClient client) {
        ModelEndpoint endpoint = client.endpoint().orElseThrow(() -> new ConfigException(
                "the claude-code runtime needs a model client with an endpoint and key (AnthropicModelClient)"));
        SandboxSpec.Builder b = spec.toBuilder().network(withModelHost(spec.network()));
        if (spec.mounts().stream().noneMatch(m -> m.sandboxPath().equals(ClaudeCodeInstall.SANDBOX_DIR))) {
            install().ifPresent(i -> b.mountReadOnly(i.binaryDir(), ClaudeCodeInstall.SANDBOX_DIR));
        }
        if (!spec.routes().containsKey(MODEL_HOST)) {
            b.route(MODEL_HOST, endpoint.baseUrl());
            b.secret(SecretInjection.withValue(MODEL_HOST, endpoint.header(),
                    endpoint.bearer() ? "ANTHROPIC_AUTH_TOKEN" : "ANTHROPIC_API_KEY", endpoint.value()));
        }
        return b.build();
    }

    static NetworkPolicy withModelHost(NetworkPolicy policy) {
        return switch (policy) {
            case NetworkPolicy.None n -> NetworkPolicy.allow(MODEL_HOST);
            case NetworkPolicy.Open o -> o;
            case NetworkPolicy.Allow a -> {
                if (a.permits(MODEL_HOST)) yield a;
                List<String> domains = new ArrayList<>(a.domains());
                domains.add(MODEL_HOST);
                yield new NetworkPolicy.Allow(domains, a.deny());
            }
        };
    }

    @Override
    Outcome run(AgentSession session, AgentOptions options, EventEmitter events, Cancellation cancellation, String prompt) {
        return new ClaudeCodeLoop(this, session, options, events, cancellation).run(prompt);
    }

    public static final class Builder {
        private ClaudeCodeInstall install;
        private Path home = Sandboxes.defaultHome();
        private OptionalInt maxRetries = OptionalInt.empty();
        private Consumer<String> passthrough;

        private Builder() {}

        /** This install instead of the data dir's ({@code agentbox runtime install claude-code}). */
        public Builder install(ClaudeCodeInstall install) { this.install = Objects.requireNonNull(install); return this; }
        /** The data dir whose install is used (default {@code AGENTBOX_HOME}, else {@code ~/.agentbox}). */
        public Builder home(Path home) { this.home = Objects.requireNonNull(home); return this; }
        /** Claude Code's own retries of failed model calls ({@code CLAUDE_CODE_MAX_RETRIES}; its default is 10). */
        public Builder maxRetries(int n) { if (n < 0) throw new IllegalArgumentException("maxRetries must be >= 0"); maxRetries = OptionalInt.of(n); return this; }
        /** Receives every line Claude Code prints, unchanged except for its partial-message lines ({@code claude-stream-json}). */
        public Builder passthrough(Consumer<String> lines) { this.passthrough = Objects.requireNonNull(lines); return this; }

        public ClaudeCodeRuntime build() {
            return new ClaudeCodeRuntime(this);
        }
    }
}
