package io.agentbox.server;

import io.agentbox.ConfigException;
import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.Pool;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Everything {@code agentbox serve} can be told. Immutable; build with {@link #builder()} or read the
 * usual sources with {@link #load(Map, Map)}: command-line flags beat environment variables, which beat
 * the config file, which beats the defaults. Every setting is one {@link ServerSetting} declared below,
 * with one name used three ways: the flag {@code --rate-limit}, the file key {@code rate-limit} and the
 * variable {@code AGENTBOX_RATE_LIMIT} (a few variables follow other tools' conventions).
 *
 * <p>{@link #toString()} never shows secrets.
 */
public final class ServerConfig {
    public enum LogFormat { JSON, TEXT, NONE }

    /** The flag or variable naming a config file (properties format, keys as the settings' names). */
    public static final String CONFIG_FILE_KEY = "config";
    public static final String CONFIG_FILE_ENV = "AGENTBOX_CONFIG";
    /** The E2B-compatible API's default port (any free port instead when the main port is 0). */
    public static final int DEFAULT_E2B_PORT = 3000;
    /** {@code e2b-port off}: no E2B-compatible API. */
    public static final int E2B_OFF = -1;

    private static final List<ServerSetting<?>> SETTINGS = new ArrayList<>();
    private static final Function<String, String> TEXT = Function.identity();
    private static final Function<String, Long> SIZE = Durations::parseSize;
    private static final Function<String, Long> SIZE_MB = v -> Durations.parseSize(v) >> 20;
    private static final Function<String, Duration> DURATION = Durations::parse;

    public static final ServerSetting<String> HOST = setting("host", "AGENTBOX_HOST", TEXT, "127.0.0.1", "address to bind",
            v -> { if (v.isBlank()) throw new IllegalArgumentException("must not be blank"); });
    public static final ServerSetting<Integer> PORT = setting("port", "AGENTBOX_PORT", Integer::parseInt, "8080",
            "port to bind, 0 for any free port", between(0, 65535));
    public static final ServerSetting<Path> DATA_DIR = optional("data-dir", "AGENTBOX_HOME", Path::of, "data directory (default ~/.agentbox)");
    public static final ServerSetting<String> DB_URL = optional("db-url", "AGENTBOX_DB_URL", TEXT,
            "PostgreSQL URL (jdbc:postgresql://… or postgres://user:pass@host/db); default: SQLite in the data dir");
    public static final ServerSetting<String> DB_USER = optional("db-user", "AGENTBOX_DB_USER", TEXT, "PostgreSQL user");
    public static final ServerSetting<String> DB_PASSWORD = secret("db-password", "AGENTBOX_DB_PASSWORD", "PostgreSQL password");
    public static final ServerSetting<String> BOOTSTRAP_KEY = secret("bootstrap-key", "AGENTBOX_BOOTSTRAP_KEY",
            "API key accepted as the owner of the default workspace");
    public static final ServerSetting<RateLimit> RATE_LIMIT = setting("rate-limit", "AGENTBOX_RATE_LIMIT",
            v -> RateLimit.parse(v).orElseThrow(() -> new IllegalArgumentException("use e.g. 600/min, 10/s, 3600/hour or off")),
            "600/min", "requests per API key, e.g. 600/min; off to disable", any());
    public static final ServerSetting<Long> MAX_BODY = setting("max-body", "AGENTBOX_MAX_BODY", SIZE, "2m", "largest JSON request body", atLeast(1));
    public static final ServerSetting<Long> MAX_PROMPT = setting("max-prompt", "AGENTBOX_MAX_PROMPT", SIZE, "1m", "largest prompt in bytes", atLeast(1));
    public static final ServerSetting<Long> MAX_UPLOAD = setting("max-upload", "AGENTBOX_MAX_UPLOAD", SIZE, "100m", "largest sandbox file upload", atLeast(1));
    public static final ServerSetting<Integer> WORKSPACE_CONCURRENCY = setting("workspace-concurrency", "AGENTBOX_WORKSPACE_CONCURRENCY",
            Integer::parseInt, "5", "runs in flight per workspace", atLeast(1));
    public static final ServerSetting<Integer> MAX_CONCURRENT_RUNS = setting("max-concurrent-runs", "AGENTBOX_MAX_CONCURRENT_RUNS",
            Integer::parseInt, "50", "runs in flight on this node", atLeast(1));
    public static final ServerSetting<Double> DAILY_BUDGET_USD = setting("daily-budget-usd", "AGENTBOX_DAILY_BUDGET_USD",
            v -> v.equalsIgnoreCase("unlimited") ? null : Double.parseDouble(v), "unlimited",
            "default per-workspace spend per UTC day in USD", atLeast(0));
    public static final ServerSetting<Long> ARTIFACT_MAX_FILE = setting("artifact-max-file", "AGENTBOX_ARTIFACT_MAX_FILE", SIZE, "10m",
            "largest captured artifact", atLeast(0));
    public static final ServerSetting<Integer> ARTIFACT_MAX_FILES = setting("artifact-max-files", "AGENTBOX_ARTIFACT_MAX_FILES",
            Integer::parseInt, "50", "artifacts per run", atLeast(0));
    public static final ServerSetting<Long> ARTIFACT_MAX_TOTAL = setting("artifact-max-total", "AGENTBOX_ARTIFACT_MAX_TOTAL", SIZE, "100m",
            "artifact bytes per run", atLeast(0));
    public static final ServerSetting<Duration> RUN_TIMEOUT = duration("run-timeout", "AGENTBOX_RUN_TIMEOUT", "30m", "lifetime deadline of a run");
    public static final ServerSetting<Duration> BOOT_TIMEOUT = duration("boot-timeout", "AGENTBOX_BOOT_TIMEOUT", "5m", "a run still booting after this fails");
    public static final ServerSetting<Duration> SESSION_IDLE_TIMEOUT = duration("session-idle-timeout", "AGENTBOX_SESSION_IDLE_TIMEOUT", "15m",
            "idle sessions end after this");
    public static final ServerSetting<Duration> PERMISSION_TIMEOUT = duration("permission-timeout", "AGENTBOX_PERMISSION_TIMEOUT", "5m",
            "a permission request nobody answers is denied after this");
    public static final ServerSetting<Duration> REAPER_INTERVAL = duration("reaper-interval", "AGENTBOX_REAPER_INTERVAL", "30s", "how often the reaper looks");
    public static final ServerSetting<Duration> HEARTBEAT_INTERVAL = duration("heartbeat-interval", "AGENTBOX_HEARTBEAT_INTERVAL", "10s",
            "how often a node marks its runs alive");
    public static final ServerSetting<Duration> HEARTBEAT_TIMEOUT = duration("heartbeat-timeout", "AGENTBOX_HEARTBEAT_TIMEOUT", "2m",
            "a run whose node stopped beating this long fails");
    public static final ServerSetting<Duration> SSE_KEEPALIVE = duration("sse-keepalive", "AGENTBOX_SSE_KEEPALIVE", "15s",
            "keep-alive comment interval of event streams");
    public static final ServerSetting<Duration> SHUTDOWN_GRACE = duration("shutdown-grace", "AGENTBOX_SHUTDOWN_GRACE", "30s",
            "how long runs may finish on shutdown before they are canceled");
    public static final ServerSetting<String> NODE_ID = optional("node-id", "AGENTBOX_NODE_ID", TEXT,
            "this node's name in a shared database (default: the host name)");
    public static final ServerSetting<String> ANTHROPIC_BASE_URL = optional("anthropic-base-url", "ANTHROPIC_BASE_URL", TEXT, "Anthropic API base URL");
    public static final ServerSetting<String> ANTHROPIC_API_KEY = secret("anthropic-api-key", "ANTHROPIC_API_KEY", "Anthropic API key used by runs");
    public static final ServerSetting<String> MODEL = optional("model", "ANTHROPIC_MODEL", TEXT, "default model of runs");
    public static final ServerSetting<LogFormat> LOG_FORMAT = setting("log-format", "AGENTBOX_LOG_FORMAT",
            v -> LogFormat.valueOf(v.toUpperCase(Locale.ROOT)), "json", "json, text, or none to leave logging alone", any());
    public static final ServerSetting<String> LOG_LEVEL = setting("log-level", "AGENTBOX_LOG_LEVEL", TEXT, "info", "info, debug, warn or error", any());
    public static final ServerSetting<Path> LOG_FILE = optional("log-file", "AGENTBOX_LOG_FILE", Path::of, "write logs to this file instead of stderr");
    public static final ServerSetting<Integer> E2B_PORT = register(new ServerSetting<>("e2b-port", "AGENTBOX_E2B_PORT",
            v -> v.equalsIgnoreCase("off") ? E2B_OFF : Integer.parseInt(v), Optional.empty(),
            "port of the E2B-compatible API (control plane and envd), 0 for any free port, off to disable (default "
                    + DEFAULT_E2B_PORT + "; any free port when --port is 0)",
            v -> { if (v != E2B_OFF && (v < 0 || v > 65535)) throw new IllegalArgumentException("must be 0..65535 or off"); }, false, false));
    public static final ServerSetting<Double> SANDBOX_MAX_CPUS = setting("sandbox-max-cpus", "AGENTBOX_SANDBOX_MAX_CPUS", Double::parseDouble,
            "4", "most CPUs one sandbox may ask for", v -> ResourceLimits.DEFAULT.withSandboxMaxCpus(v));
    public static final ServerSetting<Long> SANDBOX_MAX_MEMORY = setting("sandbox-max-memory", "AGENTBOX_SANDBOX_MAX_MEMORY", SIZE_MB,
            "8g", "most memory one sandbox may ask for", v -> ResourceLimits.DEFAULT.withSandboxMaxMemoryMb(v));
    public static final ServerSetting<Integer> SANDBOX_MAX_PIDS = setting("sandbox-max-pids", "AGENTBOX_SANDBOX_MAX_PIDS", Integer::parseInt,
            "4096", "most processes one sandbox may ask for", v -> ResourceLimits.DEFAULT.withSandboxMaxPids(v));
    public static final ServerSetting<Long> SANDBOX_MAX_DISK = setting("sandbox-max-disk", "AGENTBOX_SANDBOX_MAX_DISK", SIZE_MB,
            "10g", "most disk one sandbox may ask for", v -> ResourceLimits.DEFAULT.withSandboxMaxDiskMb(v));
    public static final ServerSetting<Duration> SANDBOX_MAX_TIMEOUT = setting("sandbox-max-timeout", "AGENTBOX_SANDBOX_MAX_TIMEOUT", DURATION,
            "24h", "longest lifetime, and command timeout, of a sandbox", v -> ResourceLimits.DEFAULT.withSandboxMaxTimeout(v));
    public static final ServerSetting<Integer> WORKSPACE_MAX_SANDBOXES = setting("workspace-max-sandboxes", "AGENTBOX_WORKSPACE_MAX_SANDBOXES",
            Integer::parseInt, "50", "live sandboxes per workspace", v -> ResourceLimits.DEFAULT.withWorkspaceMaxSandboxes(v));
    public static final ServerSetting<Long> WORKSPACE_MAX_MEMORY = setting("workspace-max-memory", "AGENTBOX_WORKSPACE_MAX_MEMORY", SIZE_MB,
            "64g", "total memory of a workspace's live sandboxes", v -> ResourceLimits.DEFAULT.withWorkspaceMaxMemoryMb(v));
    public static final ServerSetting<Long> WORKSPACE_MAX_ARTIFACT_STORAGE = setting("workspace-max-artifact-storage",
            "AGENTBOX_WORKSPACE_MAX_ARTIFACT_STORAGE", SIZE, "10g", "stored artifact bytes per workspace",
            v -> ResourceLimits.DEFAULT.withWorkspaceMaxArtifactBytes(v));
    public static final ServerSetting<List<Pool>> POOL = register(new ServerSetting<>("pool", "AGENTBOX_POOL",
            v -> v.equalsIgnoreCase("none") ? List.of() : Pool.parse(v), Optional.of("none"),
            "warm pool of ready sandboxes, TEMPLATE=N, repeatable or comma-separated", any(), false, true));

    private final Map<ServerSetting<?>, Object> values;

    private ServerConfig(Map<ServerSetting<?>, Object> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Every setting, in the order {@code agentbox serve --help} lists them. */
    public static List<ServerSetting<?>> settings() {
        return List.copyOf(SETTINGS);
    }

    public String host() { return get(HOST); }
    public int port() { return get(PORT); }
    public Path dataDir() { return get(DATA_DIR); }
    public Optional<String> dbUrl() { return find(DB_URL); }
    public Optional<String> dbUser() { return find(DB_USER); }
    public Optional<String> dbPassword() { return find(DB_PASSWORD); }
    public Optional<String> bootstrapKey() { return find(BOOTSTRAP_KEY); }
    public RateLimit rateLimit() { return get(RATE_LIMIT); }
    public long maxBodyBytes() { return get(MAX_BODY); }
    public long maxPromptBytes() { return get(MAX_PROMPT); }
    public long maxUploadBytes() { return get(MAX_UPLOAD); }
    public int workspaceConcurrency() { return get(WORKSPACE_CONCURRENCY); }
    public int maxConcurrentRuns() { return get(MAX_CONCURRENT_RUNS); }
    public Optional<Double> dailyBudgetUsd() { return find(DAILY_BUDGET_USD); }
    public long artifactMaxFileBytes() { return get(ARTIFACT_MAX_FILE); }
    public int artifactMaxFiles() { return get(ARTIFACT_MAX_FILES); }
    public long artifactMaxRunBytes() { return get(ARTIFACT_MAX_TOTAL); }
    public Duration runTimeout() { return get(RUN_TIMEOUT); }
    public Duration bootTimeout() { return get(BOOT_TIMEOUT); }
    public Duration sessionIdleTimeout() { return get(SESSION_IDLE_TIMEOUT); }
    public Duration permissionTimeout() { return get(PERMISSION_TIMEOUT); }
    public Duration reaperInterval() { return get(REAPER_INTERVAL); }
    public Duration heartbeatInterval() { return get(HEARTBEAT_INTERVAL); }
    public Duration heartbeatTimeout() { return get(HEARTBEAT_TIMEOUT); }
    public Duration sseKeepAlive() { return get(SSE_KEEPALIVE); }
    public Duration shutdownGrace() { return get(SHUTDOWN_GRACE); }
    public String nodeId() { return get(NODE_ID); }
    public Optional<String> anthropicBaseUrl() { return find(ANTHROPIC_BASE_URL); }
    public Optional<String> anthropicApiKey() { return find(ANTHROPIC_API_KEY); }
    public Optional<String> model() { return find(MODEL); }
    public LogFormat logFormat() { return get(LOG_FORMAT); }
    public String logLevel() { return get(LOG_LEVEL); }
    public Optional<Path> logFile() { return find(LOG_FILE); }
    public List<Pool> pools() { return get(POOL); }

    /** The E2B-compatible API's port (0: any free one); empty when it is off. */
    public OptionalInt e2bPort() {
        int p = get(E2B_PORT);
        return p == E2B_OFF ? OptionalInt.empty() : OptionalInt.of(p);
    }

    public ResourceLimits limits() {
        return new ResourceLimits(get(SANDBOX_MAX_CPUS), get(SANDBOX_MAX_MEMORY), get(SANDBOX_MAX_PIDS), get(SANDBOX_MAX_DISK),
                get(SANDBOX_MAX_TIMEOUT), get(WORKSPACE_MAX_SANDBOXES), get(WORKSPACE_MAX_MEMORY), get(WORKSPACE_MAX_ARTIFACT_STORAGE));
    }

    /** The value of a setting, its default when it was not set; empty for an optional one left unset. */
    @SuppressWarnings("unchecked")
    public <T> Optional<T> find(ServerSetting<T> setting) {
        return Optional.ofNullable((T) values.get(setting));
    }

    private <T> T get(ServerSetting<T> setting) {
        return find(setting).orElseThrow(() -> new IllegalStateException(setting + " has no value"));
    }

    public static Builder builder() {
        return new Builder(Map.of());
    }

    public Builder toBuilder() {
        return new Builder(values);
    }

    /** The server's base URL as a client on this machine reaches it (a wildcard bind is reached through loopback). */
    public String baseUrl(int actualPort) {
        String h = host().equals("0.0.0.0") || host().equals("::") ? "127.0.0.1" : host();
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + actualPort;
    }

    /**
     * Reads flags (key without {@code --} → value), then the environment, then the config file named by
     * {@code --config} / {@code AGENTBOX_CONFIG}. Unknown flags or file keys and malformed values fail with
     * a {@link ConfigException} naming the setting and its source.
     */
    public static ServerConfig load(Map<String, String> flags, Map<String, String> env) {
        Builder b = builder();
        ConfigSources.read(SETTINGS, flags, env, b::parse);
        return b.build();
    }

    static Path defaultDataDir() {
        String home = System.getenv("AGENTBOX_HOME");
        if (home != null && !home.isBlank()) return Path.of(home);
        return Path.of(System.getProperty("user.home"), ".agentbox");
    }

    static String defaultNodeId() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "local";
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerConfig c && values.equals(c.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "ServerConfig[host=" + host() + ", port=" + port() + ", dataDir=" + dataDir()
                + ", db=" + dbUrl().map(u -> "postgresql").orElse("sqlite")
                + ", bootstrapKey=" + (bootstrapKey().isPresent() ? "set" : "unset")
                + ", rateLimit=" + rateLimit() + ", maxPromptBytes=" + maxPromptBytes()
                + ", workspaceConcurrency=" + workspaceConcurrency() + ", maxConcurrentRuns=" + maxConcurrentRuns()
                + ", dailyBudgetUsd=" + dailyBudgetUsd().map(String::valueOf).orElse("unlimited")
                + ", anthropicBaseUrl=" + anthropicBaseUrl().orElse("default")
                + ", anthropicApiKey=" + (anthropicApiKey().isPresent() ? "set" : "unset")
                + ", pools=" + pools().stream().map(p -> p.template() + "=" + p.size()).toList()
                + ", nodeId=" + nodeId() + "]";
    }

    private static <T> ServerSetting<T> register(ServerSetting<T> s) {
        SETTINGS.add(s);
        return s;
    }

    private static <T> ServerSetting<T> setting(String key, String env, Function<String, T> parser, String defaultText, String about,
                                                Consumer<? super T> check) {
        return register(new ServerSetting<>(key, env, parser, Optional.of(defaultText), about, check, false, false));
    }

    private static <T> ServerSetting<T> optional(String key, String env, Function<String, T> parser, String about) {
        return register(new ServerSetting<>(key, env, parser, Optional.empty(), about, any(), false, false));
    }

    private static ServerSetting<String> secret(String key, String env, String about) {
        return register(new ServerSetting<>(key, env, TEXT, Optional.empty(), about, any(), true, false));
    }

    private static ServerSetting<Duration> duration(String key, String env, String defaultText, String about) {
        return setting(key, env, DURATION, defaultText, about, any());
    }

    private static Consumer<Object> any() {
        return v -> { };
    }

    private static Consumer<Number> atLeast(long min) {
        return v -> { if (!(v.doubleValue() >= min)) throw new IllegalArgumentException("must be >= " + min); };
    }

    private static Consumer<Number> between(long min, long max) {
        return v -> { if (v.longValue() < min || v.longValue() > max) throw new IllegalArgumentException("must be " + min + ".." + max); };
    }

    /** Sets values before {@link #build()}; a null value unsets an optional setting (back to its default). */
    public static final class Builder {
        private final Map<ServerSetting<?>, Object> values;

        private Builder(Map<ServerSetting<?>, Object> values) {
            this.values = new LinkedHashMap<>(values);
        }

        /** Sets any setting; null unsets it. */
        public <T> Builder set(ServerSetting<T> setting, T value) {
            if (value == null) values.remove(setting); else values.put(setting, value);
            return this;
        }

        <T> void parse(ServerSetting<T> setting, String text) {
            set(setting, setting.parse(text));
        }

        public Builder host(String v) { return set(HOST, v); }
        public Builder port(int v) { return set(PORT, v); }
        public Builder dataDir(Path v) { return set(DATA_DIR, v); }
        public Builder dbUrl(String v) { return set(DB_URL, v); }
        public Builder dbUser(String v) { return set(DB_USER, v); }
        public Builder dbPassword(String v) { return set(DB_PASSWORD, v); }
        public Builder bootstrapKey(String v) { return set(BOOTSTRAP_KEY, v); }
        public Builder rateLimit(RateLimit v) { return set(RATE_LIMIT, v); }
        public Builder maxBodyBytes(long v) { return set(MAX_BODY, v); }
        public Builder maxPromptBytes(long v) { return set(MAX_PROMPT, v); }
        public Builder maxUploadBytes(long v) { return set(MAX_UPLOAD, v); }
        public Builder workspaceConcurrency(int v) { return set(WORKSPACE_CONCURRENCY, v); }
        public Builder maxConcurrentRuns(int v) { return set(MAX_CONCURRENT_RUNS, v); }
        public Builder dailyBudgetUsd(Double v) { return set(DAILY_BUDGET_USD, v); }
        public Builder artifactMaxFileBytes(long v) { return set(ARTIFACT_MAX_FILE, v); }
        public Builder artifactMaxFiles(int v) { return set(ARTIFACT_MAX_FILES, v); }
        public Builder artifactMaxRunBytes(long v) { return set(ARTIFACT_MAX_TOTAL, v); }
        public Builder runTimeout(Duration v) { return set(RUN_TIMEOUT, v); }
        public Builder bootTimeout(Duration v) { return set(BOOT_TIMEOUT, v); }
        public Builder sessionIdleTimeout(Duration v) { return set(SESSION_IDLE_TIMEOUT, v); }
        public Builder permissionTimeout(Duration v) { return set(PERMISSION_TIMEOUT, v); }
        public Builder reaperInterval(Duration v) { return set(REAPER_INTERVAL, v); }
        public Builder heartbeatInterval(Duration v) { return set(HEARTBEAT_INTERVAL, v); }
        public Builder heartbeatTimeout(Duration v) { return set(HEARTBEAT_TIMEOUT, v); }
        public Builder sseKeepAlive(Duration v) { return set(SSE_KEEPALIVE, v); }
        public Builder shutdownGrace(Duration v) { return set(SHUTDOWN_GRACE, v); }
        public Builder nodeId(String v) { return set(NODE_ID, v); }
        public Builder anthropicBaseUrl(String v) { return set(ANTHROPIC_BASE_URL, v); }
        public Builder anthropicApiKey(String v) { return set(ANTHROPIC_API_KEY, v); }
        public Builder model(String v) { return set(MODEL, v); }
        public Builder logFormat(LogFormat v) { return set(LOG_FORMAT, v); }
        public Builder logLevel(String v) { return set(LOG_LEVEL, v); }
        public Builder logFile(Path v) { return set(LOG_FILE, v); }
        /** The E2B-compatible API's port; {@link #E2B_OFF} disables it. */
        public Builder e2bPort(int v) { return set(E2B_PORT, v); }
        /** Warm pools of ready sandboxes (see {@link Pool}); {@code --pool host=8}. */
        public Builder pools(List<Pool> v) { return set(POOL, List.copyOf(v)); }

        public Builder limits(ResourceLimits v) {
            return set(SANDBOX_MAX_CPUS, v.sandboxMaxCpus()).set(SANDBOX_MAX_MEMORY, v.sandboxMaxMemoryMb())
                    .set(SANDBOX_MAX_PIDS, v.sandboxMaxPids()).set(SANDBOX_MAX_DISK, v.sandboxMaxDiskMb())
                    .set(SANDBOX_MAX_TIMEOUT, v.sandboxMaxTimeout()).set(WORKSPACE_MAX_SANDBOXES, v.workspaceMaxSandboxes())
                    .set(WORKSPACE_MAX_MEMORY, v.workspaceMaxMemoryMb()).set(WORKSPACE_MAX_ARTIFACT_STORAGE, v.workspaceMaxArtifactBytes());
        }

        /** @throws ConfigException naming the first setting whose value is out of its range */
        public ServerConfig build() {
            Map<ServerSetting<?>, Object> all = new LinkedHashMap<>();
            for (ServerSetting<?> s : SETTINGS) resolve(s, all);
            all.computeIfAbsent(DATA_DIR, k -> defaultDataDir());
            all.computeIfAbsent(NODE_ID, k -> defaultNodeId());
            all.computeIfAbsent(E2B_PORT, k -> (Integer) all.get(PORT) == 0 ? 0 : DEFAULT_E2B_PORT);
            return new ServerConfig(all);
        }

        @SuppressWarnings("unchecked")
        private <T> void resolve(ServerSetting<T> s, Map<ServerSetting<?>, Object> into) {
            Optional<T> v = Optional.ofNullable((T) values.get(s)).or(s::defaultValue);
            v.ifPresent(value -> {
                s.check(value);
                into.put(s, value);
            });
        }
    }
}
