package io.agentbox.server.support;

import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.server.ServerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Several {@code agentbox serve} nodes in this JVM on one PostgreSQL database: each with its own port,
 * data dir and node id ({@code node-0}, {@code node-1}, …), all with the same owner key.
 */
public final class Cluster implements AutoCloseable {
    public static final Duration HEARTBEAT = Duration.ofMillis(200);

    private final Path dir;
    private final String dbUrl;
    private final String dbUser;
    private final String ownerKey = "cluster-owner-" + UUID.randomUUID();
    private final ScriptedModel model;
    private final List<TestServer> nodes = new ArrayList<>();

    public Cluster(ScriptedModel model) throws IOException {
        this.dir = Files.createTempDirectory("agentbox-cluster-");
        PostgresCluster pg = PostgresCluster.shared();
        this.dbUrl = pg.newDatabase();
        this.dbUser = pg.user();
        this.model = model;
    }

    /** Starts the next node; {@code customize} may set its capacity and the like. */
    public TestServer start(UnaryOperator<ServerConfig.Builder> customize) {
        int i = nodes.size();
        TestServer node = TestServer.start(Db.SQLITE, dir.resolve("node-" + i), b -> customize.apply(config(b, i)),
                Optional.empty(), Optional.empty());
        nodes.add(node);
        return node;
    }

    /** The settings every node shares: the database, the owner key, the model, quick heartbeats. */
    public ServerConfig.Builder config(ServerConfig.Builder b, int i) {
        return TestServer.withModel(b, model).dbUrl(dbUrl).dbUser(dbUser).nodeId("node-" + i).bootstrapKey(ownerKey)
                .heartbeatInterval(HEARTBEAT).heartbeatTimeout(Duration.ofSeconds(3)).reaperInterval(Duration.ofMillis(500));
    }

    public String dbUrl() {
        return dbUrl;
    }

    public String dbUser() {
        return dbUser;
    }

    public String ownerKey() {
        return ownerKey;
    }

    public TestServer node(int i) {
        return nodes.get(i);
    }

    public int size() {
        return nodes.size();
    }

    public Path dataDir(int i) {
        return dir.resolve("node-" + i).resolve("data");
    }

    public Path dir() {
        return dir;
    }

    /** {@code http} (a key's client) pointed at node {@code i}. */
    public Http on(int i, Http http) {
        return new Http(node(i).url(), http.key());
    }

    /** Stops node {@code i} gracefully (its runs are canceled, its sandboxes killed). */
    public void stop(int i) {
        node(i).close();
    }

    @Override
    public void close() {
        for (TestServer n : nodes) {
            try {
                n.close();
            } catch (RuntimeException e) {
                // the next node still has to stop
            }
        }
        for (int i = 0; i < nodes.size(); i++) {
            var provider = Sandboxes.local(dataDir(i));
            provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
        }
        TestFiles.deleteRecursively(dir);
    }
}
