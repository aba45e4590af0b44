package io.agentbox.server.support;

import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.server.AgentboxServer;
import io.agentbox.server.RateLimit;
import io.agentbox.server.ServerConfig;
import io.agentbox.server.log.ServerLogging;
import io.agentbox.server.runs.RunExecutor;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;

/** A real server on a free port, with a known owner key, logging JSON to a file. */
public final class TestServer implements AutoCloseable {
    private final AgentboxServer server;
    private final String ownerKey;
    private final Path logFile;
    private final ByteArrayOutputStream console;

    private TestServer(AgentboxServer server, String ownerKey, Path logFile, ByteArrayOutputStream console) {
        this.server = server;
        this.ownerKey = ownerKey;
        this.logFile = logFile;
        this.console = console;
    }

    public static ServerConfig.Builder baseConfig(Db db, Path dir) {
        ServerConfig.Builder b = ServerConfig.builder()
                .port(0)
                .nodeId("test-" + UUID.randomUUID())
                .bootstrapKey("test-bootstrap-" + UUID.randomUUID())
                .rateLimit(RateLimit.UNLIMITED)
                .logFile(dir.resolve("server.log"))
                .shutdownGrace(Duration.ofSeconds(2));
        return db.configure(b, dir.resolve("data"));
    }

    public static TestServer start(Db db, Path dir, UnaryOperator<ServerConfig.Builder> customize,
                                   Optional<RunExecutor> executor, Optional<SandboxProvider> provider) {
        return start(db, dir, customize, executor, provider, UnaryOperator.identity());
    }

    /** With {@code server} customizing the server's builder too (e.g. its telemetry). */
    public static TestServer start(Db db, Path dir, UnaryOperator<ServerConfig.Builder> customize,
                                   Optional<RunExecutor> executor, Optional<SandboxProvider> provider,
                                   UnaryOperator<AgentboxServer.Builder> serverBuilder) {
        ServerConfig config = customize.apply(baseConfig(db, dir)).build();
        ServerLogging.install(config); // what agentbox serve does; the server itself leaves logging alone
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        AgentboxServer.Builder b = serverBuilder.apply(AgentboxServer.builder(config).console(new PrintStream(console, true)));
        executor.ifPresent(b::runExecutor);
        provider.ifPresent(b::sandboxProvider);
        AgentboxServer server = b.build().start();
        String key = config.bootstrapKey().or(server::initialOwnerKey).orElseThrow();
        return new TestServer(server, key, config.logFile().orElseThrow(), console);
    }

    /** Points the server's runs at the scripted model. */
    public static ServerConfig.Builder withModel(ServerConfig.Builder b, ScriptedModel model) {
        return b.anthropicBaseUrl(model.baseUrl()).anthropicApiKey(ScriptedModel.API_KEY);
    }

    public AgentboxServer server() {
        return server;
    }

    public String url() {
        return server.url();
    }

    public String ownerKey() {
        return ownerKey;
    }

    public Http owner() {
        return new Http(url(), Optional.of(ownerKey));
    }

    public Http anonymous() {
        return new Http(url(), Optional.empty());
    }

    public Path logFile() {
        return logFile;
    }

    public String console() {
        return console.toString();
    }

    public String defaultWorkspace() {
        return server.defaultWorkspaceId();
    }

    /** A new workspace owned by the owner key, with one key per other role. */
    public Tenant tenant(String name) {
        Http owner = owner();
        var ws = owner.post("/v1/workspaces", Map.of("name", name));
        if (ws.status() != 201) throw new AssertionError("create workspace: " + ws);
        String id = ws.json().get("id").asText();
        return new Tenant(id, owner, key(owner, id, "admin"), key(owner, id, "member"), key(owner, id, "viewer"));
    }

    private static Http key(Http owner, String workspaceId, String role) {
        var r = owner.post("/v1/workspaces/" + workspaceId + "/keys", Map.of("name", role + " key", "role", role));
        if (r.status() != 201) throw new AssertionError("create key: " + r);
        return owner.as(r.json().get("key").asText());
    }

    public record Tenant(String workspaceId, Http owner, Http admin, Http member, Http viewer) {}

    @Override
    public void close() {
        server.close();
    }
}
