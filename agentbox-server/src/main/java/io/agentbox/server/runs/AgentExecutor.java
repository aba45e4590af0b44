package io.agentbox.server.runs;

import io.agentbox.server.telemetry.Telemetry;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.Agent;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.AgentRun;
import io.agentbox.agent.AgentSession;
import io.agentbox.agent.cost.Pricing;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.EventListener;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.model.ModelClient;
import io.agentbox.agent.permission.PermissionMode;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.server.http.Networks;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.ServerConfig;
import io.agentbox.server.http.Json;
import io.agentbox.server.log.Redactor;
import io.agentbox.server.metrics.Metrics;
import io.agentbox.server.model.Run;
import io.agentbox.agent.RunStatus;
import io.agentbox.server.model.Session;
import io.agentbox.server.model.Workspace;
import io.agentbox.server.sandboxes.SandboxService;
import io.agentbox.server.sessions.ConversationStore;
import io.agentbox.server.store.RunUpdate;
import io.agentbox.server.store.SessionStore;
import io.agentbox.server.store.TenancyStore;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Carries out runs with the agent runtime: the agent's events are stored (then published) as they come,
 * with the server's run id and sequence. The agent session owns the run's sandbox (creates, reconnects,
 * recreates and kills it) and reports each step to {@link RunSandboxes}, which records it the moment it
 * exists. When the agent ends, the files it changed are captured, the session is closed, which kills a
 * run's own sandbox (a session keeps its sandbox for the next turn), and only then is the terminal state written and announced, so a client
 * that sees {@code run.canceled} knows the sandbox is gone.
 */
public final class AgentExecutor implements RunExecutor {
    /** A run's sandbox outlives the run's own deadline by this much, as a backstop should the server die. */
    private static final Duration SANDBOX_MARGIN = Duration.ofMinutes(1);

    private final ServerConfig config;
    private final ModelClient model;
    private final Pricing pricing;
    private final SandboxService sandboxes;
    private final SessionStore sessions;
    private final TenancyStore tenancy;
    private final Budgets budgets;
    private final ArtifactCapture artifacts;
    private final Permissions permissions;
    private final Metrics metrics;
    private final Clock clock;
    private final Telemetry telemetry;

    public AgentExecutor(ServerConfig config, ModelClient model, Pricing pricing, SandboxService sandboxes, SessionStore sessions,
                         TenancyStore tenancy, Budgets budgets, ArtifactCapture artifacts, Permissions permissions,
                         Metrics metrics, Clock clock, Telemetry telemetry) {
        this.telemetry = telemetry;
        this.config = config;
        this.model = model;
        this.pricing = pricing;
        this.sandboxes = sandboxes;
        this.sessions = sessions;
        this.tenancy = tenancy;
        this.budgets = budgets;
        this.artifacts = artifacts;
        this.permissions = permissions;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void execute(RunContext ctx) {
        Run run = ctx.run();
        JsonNode options = Json.parse(run.optionsJson());
        Optional<Session> session = run.sessionId().flatMap(sessions::find);
        if (run.sessionId().isPresent() && session.filter(s -> s.status() == Session.Status.ACTIVE).isEmpty()) {
            ctx.fail(ErrorCategory.INTERNAL, "session " + run.sessionId().get() + " has ended");
            return;
        }
        boolean capture = options.path("captureArtifacts").asBoolean(true);
        RunSandboxes books = new RunSandboxes(sandboxes, ctx, run.sessionId(), sessions,
                capture ? Optional.of(artifacts) : Optional.empty(), spec(run, options));
        Agent agent = agent(run, options, books).build();
        Relay relay = new Relay(ctx);
        try {
            AgentSession agentSession = run.sessionId().map(agent::resumeSession).orElseGet(agent::newSession);
            try {
                AgentRun agentRun = agentSession.start(run.prompt(), relay);
                ctx.onCancel(agentRun::cancel);
                AgentResult result = agentRun.await();
                Event terminal = relay.terminal.orElseThrow(() -> new IllegalStateException("the agent ended without a terminal event"));
                if (capture && result.status() != RunStatus.CANCELED) {
                    books.current().ifPresent(s -> captureArtifacts(ctx, s, books.before()));
                }
                books.endReason("run " + result.status().wireName());
                agentSession.close(); // kills a run's own sandbox; a session's stays for the next turn
                end(ctx, result, terminal);
            } catch (RuntimeException e) {
                books.endReason("run failed");
                try {
                    agentSession.close();
                } catch (RuntimeException closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
        } finally {
            permissions.forget(run.id());
        }
    }

    private SandboxSpec spec(Run run, JsonNode options) {
        return SandboxSpec.builder()
                .template(run.template())
                .network(Networks.policy(options.get("network"), "options.network").orElse(NetworkPolicy.none()))
                .secrets(Networks.secrets(options.get("secrets"), "options.secrets"))
                .auditAll(options.path("auditAll").asBoolean(false))
                .timeout(Scheduler.lifetime(run, config).plus(run.sessionId().isPresent() ? config.sessionIdleTimeout() : SANDBOX_MARGIN))
                .build();
    }

    private Agent.Builder agent(Run run, JsonNode options, RunSandboxes books) {
        Duration lifetime = Scheduler.lifetime(run, config);
        PermissionMode mode = PermissionMode.fromWireName(options.path("permissionMode").asText("bypassPermissions"));
        Agent.Builder b = Agent.builder()
                .modelClient(model)
                .pricing(pricing)
                .sandboxProvider(sandboxes.provider())
                .sandbox(books.spec())
                .sandboxListener(books)
                .keepSandbox(run.sessionId().isPresent())
                .sessionStore(new ConversationStore(sessions, run.workspaceId(), clock))
                .permissionMode(mode)
                .permissionCallback(permissions.callbackFor(run.id()))
                .timeout(lifetime)
                .tracing(telemetry.tracingFor(run.id(), run.workspaceId()));
        run.model().or(config::model).ifPresent(b::model);
        if (options.has("maxTurns")) b.maxTurns(options.get("maxTurns").asInt());
        budget(run, options).ifPresent(b::maxBudgetUsd);
        if (options.has("systemPrompt")) b.systemPrompt(options.get("systemPrompt").asText());
        if (options.has("appendSystemPrompt")) b.appendSystemPrompt(options.get("appendSystemPrompt").asText());
        if (options.has("thinkingBudget")) b.thinkingBudget(options.get("thinkingBudget").asInt());
        b.allowedTools(strings(options.path("allowedTools")));
        b.disallowedTools(strings(options.path("disallowedTools")));
        b.mcpServers(io.agentbox.server.http.RunOptions.mcpServers(options));
        if (options.path("runtime").asText("native").equals(io.agentbox.agent.AgentRuntime.CLAUDE_CODE)) {
            b.runtime(io.agentbox.agent.ClaudeCodeRuntime.builder().home(config.dataDir()).build());
        }
        return b;
    }

    /** The run's own limit, lowered to what is left of the workspace's daily budget so that no run can overspend it. */
    private Optional<BigDecimal> budget(Run run, JsonNode options) {
        Optional<BigDecimal> own = options.has("maxBudgetUsd") ? Optional.of(options.get("maxBudgetUsd").decimalValue()) : Optional.empty();
        Optional<Workspace> ws = tenancy.workspace(run.workspaceId());
        Optional<BigDecimal> left = ws.flatMap(budgets::dailyBudget)
                .map(b -> BigDecimal.valueOf(Math.max(b - budgets.spentToday(ws.get()), 0.000001)));
        if (own.isPresent() && left.isPresent()) return Optional.of(own.get().min(left.get()));
        return own.or(() -> left);
    }

    private static String[] strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out.toArray(String[]::new);
    }

    private void captureArtifacts(RunContext ctx, Sandbox sandbox, ArtifactCapture.Snapshot before) {
        ArtifactCapture.Result r = artifacts.capture(ctx.runId(), ctx.run().workspaceId(), sandbox, before);
        if (!r.captured().isEmpty() || !r.skipped().isEmpty()) ctx.emit(r.toEvent());
    }

    private void end(RunContext ctx, AgentResult result, Event terminal) {
        String usage = json(result.usage());
        String cost = json(result.cost());
        RunUpdate.Builder update = RunUpdate.builder()
                .result(result.result()).turns(result.turns()).durationMs(result.duration().toMillis())
                .usageJson(usage).costJson(cost).costUsd(result.cost().total().doubleValue());
        result.error().ifPresent(e -> update.error(e.category().wireName(), Redactor.redactRegistered(e.message())));
        ctx.endJson(result.status(), terminal.type(), Redactor.redactRegistered(json(terminal.data())), update);
        metrics.tokens("input", result.usage().inputTokens());
        metrics.tokens("output", result.usage().outputTokens());
        metrics.tokens("cache_creation", result.usage().cacheCreationInputTokens());
        metrics.tokens("cache_read", result.usage().cacheReadInputTokens());
        metrics.cost("model", result.cost().model().doubleValue());
        metrics.cost("sandbox", result.cost().sandbox().doubleValue());
    }

    static String json(Object value) {
        try {
            return Events.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stores each agent event under the server's run (its own seq), in order, on the agent's thread; the
     * terminal event is held back for {@link #end}. {@code sandbox.ready} moves the run to {@code running}.
     */
    private final class Relay implements EventListener {
        private final RunContext ctx;
        private volatile Optional<Event> terminal = Optional.empty();

        Relay(RunContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void onEvent(Event e) {
            EventData data = e.data();
            if (data.isTerminal()) {
                terminal = Optional.of(e);
                return;
            }
            if (data instanceof EventData.SandboxReady) ctx.markRunning();
            if (data instanceof EventData.PermissionRequest p) permissions.expect(ctx.runId(), p.id());
            ctx.emitJson(e.type(), Redactor.redactRegistered(json(data)));
        }
    }
}
