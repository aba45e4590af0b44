package io.agentbox.server;

import io.agentbox.ConfigException;

import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.Pool;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.function.Function;

/**
 * Everything {@code agentbox serve} can be told. Immutable; build with {@link #builder()} or read the
 * usual sources with {@link #load(Map, Map)}: command-line flags beat environment variables, which beat
 * the config file, which beats the defaults. Every setting has one name used three ways: the flag
 * {@code --rate-limit}, the file key {@code rate-limit} and the variable {@code AGENTBOX_RATE_LIMIT}
 * (see {@link Setting} for the few variables that follow other tools' conventions).
 *
 * <p>{@link #toString()} never shows secrets.
 */
public record ServerConfig(
        String host,
        int port,
        Path dataDir,
        Optional<String> dbUrl,
        Optional<String> dbUser,
        Optional<String> dbPassword,
        Optional<String> bootstrapKey,
        RateLimit rateLimit,
        long maxBodyBytes,
        long maxPromptBytes,
        long maxUploadBytes,
        int workspaceConcurrency,
        int maxConcurrentRuns,
        Optional<Double> dailyBudgetUsd,
        long artifactMaxFileBytes,
        int artifactMaxFiles,
        long artifactMaxRunBytes,
        Duration runTimeout,
        Duration bootTimeout,
        Duration sessionIdleTimeout,
        Duration permissionTimeout,
        Duration reaperInterval,
        Duration heartbeatInterval,
        Duration heartbeatTimeout,
        Duration sseKeepAlive,
        Duration shutdownGrace,
        String nodeId,
        Optional<String> anthropicBaseUrl,
        Optional<String> anthropicApiKey,
        Optional<String> model,
        LogFormat logFormat,
        String logLevel,
        Optional<Path> logFile,
        OptionalInt e2bPort,
        ResourceLimits limits,
        List<Pool> pools) {

    public enum LogFormat { JSON, TEXT, NONE }

    /** One configurable setting: its flag/file key, its environment variable and how to apply it. */
    public enum Setting {
        HOST("host", "AGENTBOX_HOST", "address to bind (default 127.0.0.1)"),
        PORT("port", "AGENTBOX_PORT", "port to bind, 0 for any free port (default 8080)"),
        DATA_DIR("data-dir", "AGENTBOX_HOME", "data directory (default ~/.agentbox)"),
        DB_URL("db-url", "AGENTBOX_DB_URL", "PostgreSQL URL (jdbc:postgresql://… or postgres://user:pass@host/db); default: SQLite in the data dir"),
        DB_USER("db-user", "AGENTBOX_DB_USER", "PostgreSQL user"),
        DB_PASSWORD("db-password", "AGENTBOX_DB_PASSWORD", "PostgreSQL password"),
        BOOTSTRAP_KEY("bootstrap-key", "AGENTBOX_BOOTSTRAP_KEY", "API key accepted as the owner of the default workspace"),
        RATE_LIMIT("rate-limit", "AGENTBOX_RATE_LIMIT", "requests per API key, e.g. 600/min; off to disable"),
        MAX_BODY("max-body", "AGENTBOX_MAX_BODY", "largest JSON request body (default 2m)"),
        MAX_PROMPT("max-prompt", "AGENTBOX_MAX_PROMPT", "largest prompt in bytes (default 1m)"),
        MAX_UPLOAD("max-upload", "AGENTBOX_MAX_UPLOAD", "largest sandbox file upload (default 100m)"),
        WORKSPACE_CONCURRENCY("workspace-concurrency", "AGENTBOX_WORKSPACE_CONCURRENCY", "runs in flight per workspace (default 5)"),
        MAX_CONCURRENT_RUNS("max-concurrent-runs", "AGENTBOX_MAX_CONCURRENT_RUNS", "runs in flight on this node (default 50)"),
        DAILY_BUDGET_USD("daily-budget-usd", "AGENTBOX_DAILY_BUDGET_USD", "default per-workspace spend per UTC day in USD (default unlimited)"),
        ARTIFACT_MAX_FILE("artifact-max-file", "AGENTBOX_ARTIFACT_MAX_FILE", "largest captured artifact (default 10m)"),
        ARTIFACT_MAX_FILES("artifact-max-files", "AGENTBOX_ARTIFACT_MAX_FILES", "artifacts per run (default 50)"),
        ARTIFACT_MAX_TOTAL("artifact-max-total", "AGENTBOX_ARTIFACT_MAX_TOTAL", "artifact bytes per run (default 100m)"),
        RUN_TIMEOUT("run-timeout", "AGENTBOX_RUN_TIMEOUT", "lifetime deadline of a run (default 30m)"),
        BOOT_TIMEOUT("boot-timeout", "AGENTBOX_BOOT_TIMEOUT", "a run still booting after this fails (default 5m)"),
        SESSION_IDLE_TIMEOUT("session-idle-timeout", "AGENTBOX_SESSION_IDLE_TIMEOUT", "idle sessions end after this (default 15m)"),
        PERMISSION_TIMEOUT("permission-timeout", "AGENTBOX_PERMISSION_TIMEOUT", "a permission request nobody answers is denied after this (default 5m)"),
        REAPER_INTERVAL("reaper-interval", "AGENTBOX_REAPER_INTERVAL", "how often the reaper looks (default 30s)"),
        HEARTBEAT_INTERVAL("heartbeat-interval", "AGENTBOX_HEARTBEAT_INTERVAL", "how often a node marks its runs alive (default 10s)"),
        HEARTBEAT_TIMEOUT("heartbeat-timeout", "AGENTBOX_HEARTBEAT_TIMEOUT", "a run whose node stopped beating this long fails (default 2m)"),
        SSE_KEEPALIVE("sse-keepalive", "AGENTBOX_SSE_KEEPALIVE", "keep-alive comment interval of event streams (default 15s)"),
        SHUTDOWN_GRACE("shutdown-grace", "AGENTBOX_SHUTDOWN_GRACE", "how long runs may finish on shutdown before they are canceled (default 30s)"),
        NODE_ID("node-id", "AGENTBOX_NODE_ID", "this node's name in a shared database (default: the host name)"),
        ANTHROPIC_BASE_URL("anthropic-base-url", "ANTHROPIC_BASE_URL", "Anthropic API base URL"),
        ANTHROPIC_API_KEY("anthropic-api-key", "ANTHROPIC_API_KEY", "Anthropic API key used by runs"),
        MODEL("model", "ANTHROPIC_MODEL", "default model of runs"),
        LOG_FORMAT("log-format", "AGENTBOX_LOG_FORMAT", "json (default), text, or none to leave logging alone"),
        LOG_LEVEL("log-level", "AGENTBOX_LOG_LEVEL", "info (default), debug, warn, error"),
        LOG_FILE("log-file", "AGENTBOX_LOG_FILE", "write logs to this file instead of stderr"),
        E2B_PORT("e2b-port", "AGENTBOX_E2B_PORT", "port of the E2B-compatible API (control plane and envd), 0 for any free port, "
                + "off to disable (default 3000; any free port when --port is 0)"),
        SANDBOX_MAX_CPUS("sandbox-max-cpus", "AGENTBOX_SANDBOX_MAX_CPUS", "most CPUs one sandbox may ask for (default 4)"),
        SANDBOX_MAX_MEMORY("sandbox-max-memory", "AGENTBOX_SANDBOX_MAX_MEMORY", "most memory one sandbox may ask for (default 8g)"),
        SANDBOX_MAX_PIDS("sandbox-max-pids", "AGENTBOX_SANDBOX_MAX_PIDS", "most processes one sandbox may ask for (default 4096)"),
        SANDBOX_MAX_DISK("sandbox-max-disk", "AGENTBOX_SANDBOX_MAX_DISK", "most disk one sandbox may ask for (default 10g)"),
        SANDBOX_MAX_TIMEOUT("sandbox-max-timeout", "AGENTBOX_SANDBOX_MAX_TIMEOUT", "longest lifetime, and command timeout, of a sandbox (default 24h)"),
        WORKSPACE_MAX_SANDBOXES("workspace-max-sandboxes", "AGENTBOX_WORKSPACE_MAX_SANDBOXES", "live sandboxes per workspace (default 50)"),
        WORKSPACE_MAX_MEMORY("workspace-max-memory", "AGENTBOX_WORKSPACE_MAX_MEMORY", "total memory of a workspace's live sandboxes (default 64g)"),
        WORKSPACE_MAX_ARTIFACT_STORAGE("workspace-max-artifact-storage", "AGENTBOX_WORKSPACE_MAX_ARTIFACT_STORAGE",
                "stored artifact bytes per workspace (default 10g)"),
        POOL("pool", "AGENTBOX_POOL", "warm pool of ready sandboxes, TEMPLATE=N, repeatable or comma-separated (default none)");

        private final String key;
        private final String env;
        private final String description;

        Setting(String key, String env, String description) {
            this.key = key;
            this.env = env;
            this.description = description;
        }

        /** The flag (without {@code --}) and config-file key. */
        public String key() { return key; }

        public String env() { return env; }

        public String description() { return description; }

        static Optional<Setting> byKey(String key) {
            for (Setting s : values()) if (s.key.equals(key)) return Optional.of(s);
            return Optional.empty();
        }
    }

    /** The flag or variable naming a config file (properties format, keys as in {@link Setting}). */
    public static final String CONFIG_FILE_KEY = "config";
    public static final String CONFIG_FILE_ENV = "AGENTBOX_CONFIG";
    /** The E2B-compatible API's default port (any free port instead when the main port is 0). */
    public static final int DEFAULT_E2B_PORT = 3000;
    /** {@code e2b-port off}: no E2B-compatible API. */
    public static final int E2B_OFF = -1;

    public ServerConfig {
        if (host.isBlank()) throw new ConfigException("host must not be blank");
        if (port < 0 || port > 65535) throw new ConfigException("port must be 0..65535, got " + port);
        if (maxPromptBytes <= 0 || maxBodyBytes <= 0 || maxUploadBytes <= 0) throw new ConfigException("size limits must be positive");
        if (e2bPort.isPresent() && (e2bPort.getAsInt() < 0 || e2bPort.getAsInt() > 65535)) {
            throw new ConfigException("e2b-port must be 0..65535 or off, got " + e2bPort.getAsInt());
        }
        if (workspaceConcurrency < 1) throw new ConfigException("workspace-concurrency must be >= 1");
        if (maxConcurrentRuns < 1) throw new ConfigException("max-concurrent-runs must be >= 1");
        if (artifactMaxFiles < 0 || artifactMaxFileBytes < 0 || artifactMaxRunBytes < 0) throw new ConfigException("artifact limits must be >= 0");
        pools = List.copyOf(pools);
        dailyBudgetUsd.ifPresent(b -> {
            if (!(b >= 0)) throw new ConfigException("daily-budget-usd must be >= 0, got " + b);
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host; b.port = port; b.dataDir = dataDir; b.dbUrl = dbUrl.orElse(null);
        b.dbUser = dbUser.orElse(null); b.dbPassword = dbPassword.orElse(null); b.bootstrapKey = bootstrapKey.orElse(null);
        b.rateLimit = rateLimit; b.maxBodyBytes = maxBodyBytes; b.maxPromptBytes = maxPromptBytes; b.maxUploadBytes = maxUploadBytes;
        b.workspaceConcurrency = workspaceConcurrency; b.maxConcurrentRuns = maxConcurrentRuns; b.dailyBudgetUsd = dailyBudgetUsd.orElse(null);
        b.artifactMaxFileBytes = artifactMaxFileBytes; b.artifactMaxFiles = artifactMaxFiles; b.artifactMaxRunBytes = artifactMaxRunBytes;
        b.runTimeout = runTimeout; b.bootTimeout = bootTimeout; b.sessionIdleTimeout = sessionIdleTimeout; b.permissionTimeout = permissionTimeout; b.reaperInterval = reaperInterval;
        b.heartbeatInterval = heartbeatInterval; b.heartbeatTimeout = heartbeatTimeout; b.sseKeepAlive = sseKeepAlive; b.shutdownGrace = shutdownGrace;
        b.nodeId = nodeId; b.anthropicBaseUrl = anthropicBaseUrl.orElse(null); b.anthropicApiKey = anthropicApiKey.orElse(null);
        b.model = model.orElse(null); b.logFormat = logFormat; b.logLevel = logLevel; b.logFile = logFile.orElse(null);
        b.e2bPort = e2bPort.isPresent() ? e2bPort.getAsInt() : E2B_OFF;
        b.limits = limits;
        b.pools = pools;
        return b;
    }

    /** The server's base URL as a client on this machine reaches it (a wildcard bind is reached through loopback). */
    public String baseUrl(int actualPort) {
        String h = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + actualPort;
    }

    /**
     * Reads flags (key without {@code --} → value), then the environment, then the config file named by
     * {@code --config} / {@code AGENTBOX_CONFIG}. Unknown flags or file keys and malformed values fail with
     * a {@link ConfigException} naming the setting and its source.
     */
    public static ServerConfig load(Map<String, String> flags, Map<String, String> env) {
        for (String key : flags.keySet()) {
            if (!key.equals(CONFIG_FILE_KEY) && Setting.byKey(key).isEmpty()) throw new ConfigException("unknown setting --" + key);
        }
        Map<String, String> file = new LinkedHashMap<>();
        String fileName = flags.getOrDefault(CONFIG_FILE_KEY, env.get(CONFIG_FILE_ENV));
        if (fileName != null) file.putAll(readFile(Path.of(fileName)));

        Builder b = builder();
        for (Setting s : Setting.values()) {
            String source;
            String value;
            if (flags.containsKey(s.key)) { value = flags.get(s.key); source = "--" + s.key; }
            else if (env.containsKey(s.env) && !env.get(s.env).isEmpty()) { value = env.get(s.env); source = s.env; }
            else if (file.containsKey(s.key)) { value = file.get(s.key); source = "config file key " + s.key; }
            else continue;
            try {
                b.apply(s, value.trim());
            } catch (RuntimeException e) {
                throw new ConfigException("invalid " + source + " '" + (isSecret(s) ? "…" : value) + "': " + e.getMessage());
            }
        }
        return b.build();
    }

    private static boolean isSecret(Setting s) {
        return s == Setting.BOOTSTRAP_KEY || s == Setting.ANTHROPIC_API_KEY || s == Setting.DB_PASSWORD;
    }

    private static Map<String, String> readFile(Path path) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(path)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + path + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (Setting.byKey(key).isEmpty()) throw new ConfigException("unknown key '" + key + "' in config file " + path);
            out.put(key, p.getProperty(key));
        }
        return out;
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
    public String toString() {
        return "ServerConfig[host=" + host + ", port=" + port + ", dataDir=" + dataDir
                + ", db=" + dbUrl.map(u -> "postgresql").orElse("sqlite")
                + ", bootstrapKey=" + (bootstrapKey.isPresent() ? "set" : "unset")
                + ", rateLimit=" + rateLimit + ", maxPromptBytes=" + maxPromptBytes
                + ", workspaceConcurrency=" + workspaceConcurrency + ", maxConcurrentRuns=" + maxConcurrentRuns
                + ", dailyBudgetUsd=" + dailyBudgetUsd.map(String::valueOf).orElse("unlimited")
                + ", anthropicBaseUrl=" + anthropicBaseUrl.orElse("default")
                + ", anthropicApiKey=" + (anthropicApiKey.isPresent() ? "set" : "unset")
                + ", pools=" + pools.stream().map(p -> p.template() + "=" + p.size()).toList()
                + ", nodeId=" + nodeId + "]";
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private Path dataDir;
        private String dbUrl;
        private String dbUser;
        private String dbPassword;
        private String bootstrapKey;
        private RateLimit rateLimit = new RateLimit(600, Duration.ofMinutes(1));
        private long maxBodyBytes = 2L << 20;
        private long maxPromptBytes = 1L << 20;
        private long maxUploadBytes = 100L << 20;
        private int workspaceConcurrency = 5;
        private int maxConcurrentRuns = 50;
        private Double dailyBudgetUsd;
        private long artifactMaxFileBytes = 10L << 20;
        private int artifactMaxFiles = 50;
        private long artifactMaxRunBytes = 100L << 20;
        private Duration runTimeout = Duration.ofMinutes(30);
        private Duration bootTimeout = Duration.ofMinutes(5);
        private Duration sessionIdleTimeout = Duration.ofMinutes(15);
        private Duration permissionTimeout = Duration.ofMinutes(5);
        private Duration reaperInterval = Duration.ofSeconds(30);
        private Duration heartbeatInterval = Duration.ofSeconds(10);
        private Duration heartbeatTimeout = Duration.ofMinutes(2);
        private Duration sseKeepAlive = Duration.ofSeconds(15);
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private String nodeId;
        private String anthropicBaseUrl;
        private String anthropicApiKey;
        private String model;
        private LogFormat logFormat = LogFormat.JSON;
        private String logLevel = "info";
        private Path logFile;
        private Integer e2bPort;
        private ResourceLimits limits = ResourceLimits.DEFAULT;
        private List<Pool> pools = List.of();

        private Builder() {}

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder dbUrl(String v) { dbUrl = v; return this; }
        public Builder dbUser(String v) { dbUser = v; return this; }
        public Builder dbPassword(String v) { dbPassword = v; return this; }
        public Builder bootstrapKey(String v) { bootstrapKey = v; return this; }
        public Builder rateLimit(RateLimit v) { rateLimit = v; return this; }
        public Builder maxBodyBytes(long v) { maxBodyBytes = v; return this; }
        public Builder maxPromptBytes(long v) { maxPromptBytes = v; return this; }
        public Builder maxUploadBytes(long v) { maxUploadBytes = v; return this; }
        public Builder workspaceConcurrency(int v) { workspaceConcurrency = v; return this; }
        public Builder maxConcurrentRuns(int v) { maxConcurrentRuns = v; return this; }
        public Builder dailyBudgetUsd(Double v) { dailyBudgetUsd = v; return this; }
        public Builder artifactMaxFileBytes(long v) { artifactMaxFileBytes = v; return this; }
        public Builder artifactMaxFiles(int v) { artifactMaxFiles = v; return this; }
        public Builder artifactMaxRunBytes(long v) { artifactMaxRunBytes = v; return this; }
        public Builder runTimeout(Duration v) { runTimeout = v; return this; }
        public Builder bootTimeout(Duration v) { bootTimeout = v; return this; }
        public Builder sessionIdleTimeout(Duration v) { sessionIdleTimeout = v; return this; }
        public Builder permissionTimeout(Duration v) { permissionTimeout = v; return this; }
        public Builder reaperInterval(Duration v) { reaperInterval = v; return this; }
        public Builder heartbeatInterval(Duration v) { heartbeatInterval = v; return this; }
        public Builder heartbeatTimeout(Duration v) { heartbeatTimeout = v; return this; }
        public Builder sseKeepAlive(Duration v) { sseKeepAlive = v; return this; }
        public Builder shutdownGrace(Duration v) { shutdownGrace = v; return this; }
        public Builder nodeId(String v) { nodeId = v; return this; }
        public Builder anthropicBaseUrl(String v) { anthropicBaseUrl = v; return this; }
        public Builder anthropicApiKey(String v) { anthropicApiKey = v; return this; }
        public Builder model(String v) { model = v; return this; }
        public Builder logFormat(LogFormat v) { logFormat = v; return this; }
        public Builder logLevel(String v) { logLevel = v; return this; }
        public Builder logFile(Path v) { logFile = v; return this; }
        /** The E2B-compatible API's port; {@link #E2B_OFF} disables it. */
        public Builder e2bPort(int v) { e2bPort = v; return this; }
        public Builder limits(ResourceLimits v) { limits = v; return this; }
        /** Warm pools of ready sandboxes (see {@link Pool}); {@code --pool host=8}. */
        public Builder pools(List<Pool> v) { pools = v; return this; }

        void apply(Setting s, String v) {
            Function<String, Duration> dur = Durations::parse;
            switch (s) {
                case HOST -> host(v);
                case PORT -> port(Integer.parseInt(v));
                case DATA_DIR -> dataDir(Path.of(v));
                case DB_URL -> dbUrl(v);
                case DB_USER -> dbUser(v);
                case DB_PASSWORD -> dbPassword(v);
                case BOOTSTRAP_KEY -> bootstrapKey(v);
                case RATE_LIMIT -> rateLimit(RateLimit.parse(v).orElseThrow(
                        () -> new IllegalArgumentException("use e.g. 600/min, 10/s, 3600/hour or off")));
                case MAX_BODY -> maxBodyBytes(Durations.parseSize(v));
                case MAX_PROMPT -> maxPromptBytes(Durations.parseSize(v));
                case MAX_UPLOAD -> maxUploadBytes(Durations.parseSize(v));
                case WORKSPACE_CONCURRENCY -> workspaceConcurrency(Integer.parseInt(v));
                case MAX_CONCURRENT_RUNS -> maxConcurrentRuns(Integer.parseInt(v));
                case DAILY_BUDGET_USD -> dailyBudgetUsd(v.equalsIgnoreCase("unlimited") ? null : Double.parseDouble(v));
                case ARTIFACT_MAX_FILE -> artifactMaxFileBytes(Durations.parseSize(v));
                case ARTIFACT_MAX_FILES -> artifactMaxFiles(Integer.parseInt(v));
                case ARTIFACT_MAX_TOTAL -> artifactMaxRunBytes(Durations.parseSize(v));
                case RUN_TIMEOUT -> runTimeout(dur.apply(v));
                case BOOT_TIMEOUT -> bootTimeout(dur.apply(v));
                case SESSION_IDLE_TIMEOUT -> sessionIdleTimeout(dur.apply(v));
                case PERMISSION_TIMEOUT -> permissionTimeout(dur.apply(v));
                case REAPER_INTERVAL -> reaperInterval(dur.apply(v));
                case HEARTBEAT_INTERVAL -> heartbeatInterval(dur.apply(v));
                case HEARTBEAT_TIMEOUT -> heartbeatTimeout(dur.apply(v));
                case SSE_KEEPALIVE -> sseKeepAlive(dur.apply(v));
                case SHUTDOWN_GRACE -> shutdownGrace(dur.apply(v));
                case NODE_ID -> nodeId(v);
                case ANTHROPIC_BASE_URL -> anthropicBaseUrl(v);
                case ANTHROPIC_API_KEY -> anthropicApiKey(v);
                case MODEL -> model(v);
                case LOG_FORMAT -> logFormat(LogFormat.valueOf(v.toUpperCase(Locale.ROOT)));
                case LOG_LEVEL -> logLevel(v);
                case LOG_FILE -> logFile(Path.of(v));
                case E2B_PORT -> e2bPort(v.equalsIgnoreCase("off") ? E2B_OFF : Integer.parseInt(v));
                case SANDBOX_MAX_CPUS -> limits = limits.withSandboxMaxCpus(Double.parseDouble(v));
                case SANDBOX_MAX_MEMORY -> limits = limits.withSandboxMaxMemoryMb(Durations.parseSize(v) >> 20);
                case SANDBOX_MAX_PIDS -> limits = limits.withSandboxMaxPids(Integer.parseInt(v));
                case SANDBOX_MAX_DISK -> limits = limits.withSandboxMaxDiskMb(Durations.parseSize(v) >> 20);
                case SANDBOX_MAX_TIMEOUT -> limits = limits.withSandboxMaxTimeout(dur.apply(v));
                case WORKSPACE_MAX_SANDBOXES -> limits = limits.withWorkspaceMaxSandboxes(Integer.parseInt(v));
                case WORKSPACE_MAX_MEMORY -> limits = limits.withWorkspaceMaxMemoryMb(Durations.parseSize(v) >> 20);
                case WORKSPACE_MAX_ARTIFACT_STORAGE -> limits = limits.withWorkspaceMaxArtifactBytes(Durations.parseSize(v));
                case POOL -> pools(v.equalsIgnoreCase("none") ? List.of() : Pool.parse(v));
            }
        }

        public ServerConfig build() {
            return new ServerConfig(host, port, dataDir != null ? dataDir : defaultDataDir(), Optional.ofNullable(dbUrl),
                    Optional.ofNullable(dbUser), Optional.ofNullable(dbPassword), Optional.ofNullable(bootstrapKey), rateLimit,
                    maxBodyBytes, maxPromptBytes, maxUploadBytes, workspaceConcurrency, maxConcurrentRuns,
                    Optional.ofNullable(dailyBudgetUsd), artifactMaxFileBytes, artifactMaxFiles, artifactMaxRunBytes,
                    runTimeout, bootTimeout, sessionIdleTimeout, permissionTimeout, reaperInterval, heartbeatInterval, heartbeatTimeout,
                    sseKeepAlive, shutdownGrace, nodeId != null ? nodeId : defaultNodeId(),
                    Optional.ofNullable(anthropicBaseUrl), Optional.ofNullable(anthropicApiKey), Optional.ofNullable(model),
                    logFormat, logLevel, Optional.ofNullable(logFile), e2bPort(), limits, pools);
        }

        private OptionalInt e2bPort() {
            if (e2bPort == null) return OptionalInt.of(port == 0 ? 0 : DEFAULT_E2B_PORT);
            return e2bPort == E2B_OFF ? OptionalInt.empty() : OptionalInt.of(e2bPort);
        }
    }
}
