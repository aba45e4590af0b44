package io.agentbox.server;

import io.agentbox.ErrorCategory;
import io.agentbox.agent.cost.Pricing;
import io.agentbox.agent.model.AnthropicModelClient;
import io.agentbox.sandbox.Pool;
import io.agentbox.sandbox.PooledSandboxProvider;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.server.analytics.AnalyticsRoutes;
import io.agentbox.server.analytics.UsageAnalytics;
import io.agentbox.server.auth.ApiKeys;
import io.agentbox.server.auth.Authenticator;
import io.agentbox.server.auth.OpenStreams;
import io.agentbox.server.auth.RateLimiter;
import io.agentbox.server.auth.TenancyService;
import io.agentbox.server.e2b.E2bApi;
import io.agentbox.server.http.ApiRoute;
import io.agentbox.server.http.ConsoleRoutes;
import io.agentbox.server.http.StreamTicketRoutes;
import io.agentbox.server.http.EventStream;
import io.agentbox.server.http.HttpServer;
import io.agentbox.server.http.Json;
import io.agentbox.server.http.McpRoutes;
import io.agentbox.server.http.OpenApi;
import io.agentbox.server.http.OpsRoutes;
import io.agentbox.server.http.RunRoutes;
import io.agentbox.server.http.SandboxRoutes;
import io.agentbox.server.http.SessionRoutes;
import io.agentbox.server.http.WebSocketRoutes;
import io.agentbox.server.http.WorkspaceRoutes;
import io.agentbox.server.log.Redactor;
import io.agentbox.server.metrics.Metrics;
import io.agentbox.server.model.ApiKey;
import io.agentbox.server.model.Run;
import io.agentbox.agent.RunStatus;
import io.agentbox.server.runs.AgentExecutor;
import io.agentbox.server.runs.ArtifactCapture;
import io.agentbox.server.runs.ArtifactService;
import io.agentbox.server.runs.Budgets;
import io.agentbox.server.runs.EventBus;
import io.agentbox.server.runs.Permissions;
import io.agentbox.server.runs.Reaper;
import io.agentbox.server.runs.RunExecutor;
import io.agentbox.server.runs.RunService;
import io.agentbox.server.runs.RunStateMachine;
import io.agentbox.server.runs.Scheduler;
import io.agentbox.server.sandboxes.RawSandboxes;
import io.agentbox.server.sandboxes.SandboxLimits;
import io.agentbox.server.sandboxes.SandboxService;
import io.agentbox.server.sessions.SessionService;
import io.agentbox.server.store.Database;
import io.agentbox.server.store.JdbiArtifactStore;
import io.agentbox.server.store.JdbiEventStore;
import io.agentbox.server.store.JdbiRunStore;
import io.agentbox.server.store.JdbiSandboxStore;
import io.agentbox.server.store.JdbiSessionStore;
import io.agentbox.server.store.JdbiTenancyStore;
import io.agentbox.server.store.JdbiTicketStore;
import io.agentbox.server.store.TenancyStore;
import io.agentbox.server.telemetry.HttpTracing;
import io.agentbox.server.telemetry.Telemetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code agentbox serve}: the HTTP service. Build, {@link #start()}, and {@link #close()} for a graceful
 * stop (no new requests; runs in flight get the configured grace period, then are canceled cleanly).
 *
 * <p>Embeddable: it changes nothing of the process it runs in. It logs through SLF4J and leaves the
 * logging configuration to the application; {@code agentbox serve} applies {@code --log-format},
 * {@code --log-level} and {@code --log-file} itself with {@link io.agentbox.server.log.ServerLogging#install}.
 * The secrets it masks in logs and events are masked only while it runs.
 *
 * <pre>{@code
 * try (AgentboxServer server = AgentboxServer.builder(ServerConfig.load(flags, System.getenv())).build().start()) {
 *     System.out.println("listening on " + server.url());
 *     server.awaitStop();
 * }
 * }</pre>
 */
public final class AgentboxServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentboxServer.class);
    public static final String VERSION = "0.1.0";
    /**
     * How often open streams look for their keys' revocation by another node sharing the database;
     * with the time to close, a revoked key's streams end well within two seconds.
     */
    private static final java.time.Duration REVOCATION_CHECK = java.time.Duration.ofMillis(500);

    private final ServerConfig config;
    private final SandboxProvider provider;
    private final Optional<RunExecutor> customExecutor;
    private final Clock clock;
    private final PrintStream console;
    private final Telemetry telemetry;
    private final AtomicBoolean closing = new AtomicBoolean();
    /** This server's secrets, masked in logs and events while it runs. */
    private final List<Redactor.Registration> redactions = new ArrayList<>();
    private final Object stopped = new Object();

    private Optional<PooledSandboxProvider> pool = Optional.empty();
    private Database db;
    private HttpServer http;
    private E2bApi e2b;
    private Scheduler scheduler;
    private Reaper reaper;
    private OpenStreams openStreams;
    private RunService runService;
    private Optional<AnthropicModelClient> modelClient = Optional.empty();
    private Optional<String> initialOwnerKey = Optional.empty();
    private String defaultWorkspaceId;
    private boolean running;

    private AgentboxServer(Builder b) {
        this.config = b.config;
        this.provider = b.provider != null ? b.provider : Sandboxes.local(b.config.dataDir());
        this.customExecutor = Optional.ofNullable(b.executor);
        this.clock = b.clock;
        this.console = b.console;
        this.telemetry = b.telemetry != null ? b.telemetry : Telemetry.fromEnvironment(System.getenv());
    }

    public static Builder builder(ServerConfig config) {
        return new Builder(config);
    }

    /** Opens the database, reconciles runs interrupted by a previous crash, and starts serving. */
    public synchronized AgentboxServer start() {
        if (running) throw new IllegalStateException("already started");
        for (Optional<String> secret : List.of(config.bootstrapKey(), config.anthropicApiKey(), config.dbPassword())) {
            secret.map(Redactor::register).ifPresent(redactions::add);
        }
        try {
            startComponents();
        } catch (RuntimeException e) {
            shutdownComponents();
            throw e;
        }
        running = true;
        LOG.atInfo().addKeyValue("url", url()).addKeyValue("db", db.kind().name().toLowerCase())
                .addKeyValue("node", config.nodeId()).log("agentbox server listening on {}", url());
        return this;
    }

    private void startComponents() {
        db = Database.open(config);
        TenancyStore tenancy = new JdbiTenancyStore(db);
        EventBus bus = new EventBus();
        JdbiEventStore events = new JdbiEventStore(db, bus::publish);
        JdbiRunStore runs = new JdbiRunStore(db);
        JdbiSandboxStore sandboxStore = new JdbiSandboxStore(db);
        JdbiArtifactStore artifactStore = new JdbiArtifactStore(db);
        JdbiSessionStore sessionStore = new JdbiSessionStore(db);

        TenancyStore.DefaultTenant tenant = tenancy.ensureDefaultTenant(clock.instant());
        defaultWorkspaceId = tenant.workspaceId();
        if (tenant.createdNow() && config.bootstrapKey().isEmpty()) createInitialOwnerKey(tenancy, tenant);

        SandboxProvider sandboxProvider = provider;
        if (!config.pools().isEmpty()) {
            pool = Optional.of(provider.withPool(config.pools().toArray(Pool[]::new)));
            sandboxProvider = pool.get();
        }
        SandboxService sandboxes = new SandboxService(sandboxProvider, sandboxStore, clock, config.nodeId());
        SandboxLimits sandboxLimits = new SandboxLimits(config.limits(), sandboxStore);
        Metrics metrics = new Metrics(runs::countByStatus, sandboxes::aliveCount);
        RunStateMachine stateMachine = new RunStateMachine(runs, bus, clock);
        stateMachine.onTransition((id, status) -> {
            if (!status.terminal()) return;
            metrics.runFinished(status);
            events.forget(id);
        });
        Budgets budgets = new Budgets(runs, config.dailyBudgetUsd(), clock);
        Permissions permissions = new Permissions(config.permissionTimeout());
        ArtifactCapture capture = new ArtifactCapture(artifactStore, new ArtifactCapture.Limits(
                config.artifactMaxFileBytes(), config.artifactMaxFiles(), config.artifactMaxRunBytes(),
                config.limits().workspaceMaxArtifactBytes()), clock);
        Optional<String> unavailable = Optional.empty();
        RunExecutor executor;
        if (customExecutor.isPresent()) {
            executor = customExecutor.get();
        } else if (config.anthropicApiKey().isEmpty()) {
            String why = "this server has no model API key: start it with ANTHROPIC_API_KEY set";
            unavailable = Optional.of(why);
            executor = run -> run.fail(ErrorCategory.INTERNAL, why);
        } else {
            AnthropicModelClient.Builder b = AnthropicModelClient.builder().apiKey(config.anthropicApiKey().orElseThrow());
            config.anthropicBaseUrl().ifPresent(b::baseUrl);
            config.model().ifPresent(b::model);
            AnthropicModelClient client = b.build();
            modelClient = Optional.of(client);
            executor = new AgentExecutor(config, client, pricing(), sandboxes, sessionStore, tenancy, budgets, capture,
                    permissions, metrics, clock, telemetry);
        }
        scheduler = new Scheduler(config, runs, events, tenancy, stateMachine, budgets, sandboxes, executor, clock);
        runService = new RunService(config, runs, tenancy, stateMachine, scheduler, budgets, sandboxes, sessionStore,
                permissions, unavailable, clock, sandboxLimits, artifactStore::bytesOfWorkspace);
        SessionService sessionService = new SessionService(config, sessionStore, runs, runService, sandboxes, clock);
        ArtifactService artifacts = new ArtifactService(artifactStore, runService, clock);
        openStreams = new OpenStreams(tenancy::revokedAmong, REVOCATION_CHECK).start();
        Authenticator authenticator = new Authenticator(tenancy, clock, config.bootstrapKey(), tenant.ownerPrincipalId(),
                new JdbiTicketStore(db));
        TenancyService tenancyService = new TenancyService(tenancy, clock, keyId -> {
            openStreams.revoked(keyId);
            authenticator.tickets().revoked(keyId);
        });
        EventStream stream = new EventStream(events, runs, bus, metrics, config.sseKeepAlive(), closing::get, clock, openStreams);

        int reconciled = runService.reconcile();
        if (reconciled > 0) LOG.warn("{} run(s) were in flight when this node last stopped; they failed with 'server restarted'", reconciled);
        int swept = sandboxes.sweepEnded();
        if (swept > 0) LOG.warn("{} sandbox(es) of this node had ended while it was down (their runs were reconciled elsewhere); killed", swept);

        List<ApiRoute> routes = new ArrayList<>();
        routes.addAll(new RunRoutes(runService, artifacts, stream).routes());
        SessionRoutes sessionRoutes = new SessionRoutes(sessionService, runService);
        routes.addAll(sessionRoutes.routes());
        routes.addAll(new WebSocketRoutes(runService, sessionService, sessionRoutes, stream, closing::get).routes());
        RawSandboxes rawSandboxes = new RawSandboxes(sandboxes, sessionStore, sandboxLimits);
        routes.addAll(new SandboxRoutes(rawSandboxes, runService, config.maxUploadBytes()).routes());
        routes.addAll(new WorkspaceRoutes(tenancyService, artifacts).routes());
        routes.addAll(new StreamTicketRoutes(authenticator.tickets()).routes());
        routes.addAll(new ConsoleRoutes().routes());
        routes.addAll(new AnalyticsRoutes(new UsageAnalytics(db, tenancy, config.model().orElse(AnthropicModelClient.DEFAULT_MODEL), clock)).routes());
        // the MCP tools act as the caller through this node's own REST API
        routes.addAll(new McpRoutes(() -> "http://" + loopbackHost(config.host()) + ":" + http.port(), VERSION, config.maxBodyBytes()).routes());
        List<ApiRoute> documented = new ArrayList<>(routes);
        byte[][] openApi = new byte[1][];
        OpsRoutes ops = new OpsRoutes(() -> !closing.get() && db.ping(), metrics, () -> openApi[0]);
        documented.addAll(0, ops.routes());
        openApi[0] = Json.write(OpenApi.document(documented, VERSION)).getBytes(StandardCharsets.UTF_8);

        RateLimiter rateLimiter = new RateLimiter(config.rateLimit());
        http = new HttpServer(config, documented, authenticator, rateLimiter, metrics, openStreams,
                new HttpTracing(telemetry)::install);
        http.start();
        if (config.e2bPort().isPresent()) startE2b(sandboxes, rawSandboxes, authenticator, rateLimiter);
        scheduler.start();
        reaper = new Reaper(config, runs, runService, List.of(sessionService::reapIdle), clock);
        reaper.start();
    }

    /**
     * The E2B-compatible API on its own port. It is an addition to the service: when its port is taken the
     * server still starts, and says so.
     */
    private void startE2b(SandboxService sandboxes, RawSandboxes raw, Authenticator authenticator, RateLimiter rateLimiter) {
        E2bApi api = new E2bApi(config.host(), config.e2bPort().getAsInt(), config.dataDir(), sandboxes, raw, authenticator,
                rateLimiter, config.maxBodyBytes(), config.maxUploadBytes(), clock);
        try {
            api.start();
            e2b = api;
        } catch (RuntimeException e) {
            quietly(api::close);
            LOG.warn("the E2B-compatible API did not start on port {}: {} (set --e2b-port to another port, or off)",
                    config.e2bPort().getAsInt(), e.getMessage());
        }
    }

    /** The base URL of the E2B-compatible API (both {@code E2B_API_URL} and {@code E2B_SANDBOX_URL}), when it runs. */
    public Optional<String> e2bUrl() {
        requireRunning();
        return Optional.ofNullable(e2b).map(a -> config.baseUrl(a.port()));
    }

    /** Model prices: the defaults, with {@code <data dir>/pricing.json} laid over them when it exists. */
    private Pricing pricing() {
        Path file = config.dataDir().resolve("pricing.json");
        return Files.isRegularFile(file) ? Pricing.defaults().load(file) : Pricing.defaults();
    }

    private void createInitialOwnerKey(TenancyStore tenancy, TenancyStore.DefaultTenant tenant) {
        ApiKeys.NewKey k = ApiKeys.generate();
        tenancy.insertKey(new ApiKey(k.id(), tenant.ownerPrincipalId(), "initial owner key", k.secretHash(),
                clock.instant(), Optional.empty(), Optional.empty()));
        initialOwnerKey = Optional.of(k.plaintext());
        // Printed once, to the console and not to the log: logs are kept and shipped, keys must not be.
        console.println("Created the owner API key of the default workspace. It is shown only this once:");
        console.println();
        console.println("    " + k.plaintext());
        console.println();
        console.println("Use it as 'Authorization: Bearer <key>' or AGENTBOX_API_KEY; set AGENTBOX_BOOTSTRAP_KEY to choose your own.");
        console.flush();
    }

    /** How this node reaches itself: its bound address, or loopback when it listens on every interface. */
    private static String loopbackHost(String host) {
        if (host == null || host.isBlank() || host.equals("0.0.0.0")) return "127.0.0.1";
        if (host.equals("::") || host.equals("[::]")) return "[::1]";
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    public int port() {
        requireRunning();
        return http.port();
    }

    /** The base URL clients on this machine use, e.g. {@code http://127.0.0.1:8080}. */
    public String url() {
        return config.baseUrl(port());
    }

    public ServerConfig config() {
        return config;
    }

    /** The owner key created on this start, when this was the first start and no bootstrap key was set. */
    public Optional<String> initialOwnerKey() {
        return initialOwnerKey;
    }

    public String defaultWorkspaceId() {
        requireRunning();
        return defaultWorkspaceId;
    }

    /** Blocks until {@link #close()} has completed (for {@code agentbox serve}'s main thread). */
    public void awaitStop() throws InterruptedException {
        synchronized (stopped) {
            while (running) stopped.wait();
        }
    }

    /** "METHOD /path" of every HTTP handler registered. */
    List<String> registeredRoutes() {
        requireRunning();
        return http.registeredRoutes();
    }

    private void requireRunning() {
        if (http == null) throw new IllegalStateException("server not started");
    }

    /**
     * Graceful stop: readiness turns false and streams end, the HTTP listener stops, runs in flight get
     * {@code shutdown-grace} to finish and are then canceled (sandboxes killed), and the database closes.
     */
    @Override
    public synchronized void close() {
        if (!closing.compareAndSet(false, true)) return;
        shutdownComponents();
        synchronized (stopped) {
            running = false;
            stopped.notifyAll();
        }
        LOG.info("agentbox server stopped");
    }

    private void shutdownComponents() {
        closing.set(true);
        if (http != null) quietly(http::close);
        if (e2b != null) quietly(e2b::close);
        if (reaper != null) quietly(reaper::close);
        if (openStreams != null) quietly(openStreams::close);
        if (scheduler != null) {
            List<Run> left = scheduler.drain(config.shutdownGrace());
            for (Run r : left) {
                quietly(() -> runService.terminate(r, RunStatus.CANCELED, ErrorCategory.CANCELED, "server shutting down"));
            }
            quietly(scheduler::close);
        }
        // the pool's ready sandboxes are nobody's yet: none outlives the node
        pool.ifPresent(p -> quietly(p::close));
        modelClient.ifPresent(c -> quietly(c::close));
        if (db != null) quietly(db::close);
        quietly(telemetry::close);
        redactions.forEach(Redactor.Registration::close);
        redactions.clear();
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("error during shutdown", e);
        }
    }

    public static final class Builder {
        private final ServerConfig config;
        private SandboxProvider provider;
        private RunExecutor executor;
        private Clock clock = Clock.systemUTC();
        private PrintStream console = System.out;
        private Telemetry telemetry;

        private Builder(ServerConfig config) {
            this.config = config;
        }

        /** Where sandboxes run; default: local bubblewrap sandboxes with state in the data dir. */
        public Builder sandboxProvider(SandboxProvider provider) { this.provider = provider; return this; }

        /**
         * How runs are carried out; the default runs the agent runtime in a sandbox, with the model endpoint
         * and key of the configuration ({@code ANTHROPIC_BASE_URL}, {@code ANTHROPIC_API_KEY}).
         */
        public Builder runExecutor(RunExecutor executor) { this.executor = executor; return this; }

        public Builder clock(Clock clock) { this.clock = clock; return this; }

        /** Where the first start prints the owner key (default standard output). */
        public Builder console(PrintStream console) { this.console = console; return this; }

        /** Traces (default: from the process's {@code OTEL_*} variables); the server closes it when it stops. */
        public Builder telemetry(Telemetry telemetry) { this.telemetry = telemetry; return this; }

        public AgentboxServer build() {
            return new AgentboxServer(this);
        }
    }
}
