package io.agentbox.server.support;

import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.server.ServerConfig;
import io.agentbox.server.runs.RunExecutor;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One real server per database for a test class: subclasses are {@code @ParameterizedClass
 * @EnumSource(Db.class)}, so every test runs on SQLite and on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ServerTestBase {
    @Parameter
    protected Db db;
    protected Path dir;
    protected TestServer server;

    /** How this class's server carries out runs. */
    protected Optional<RunExecutor> executor() {
        return Optional.of(new ScriptedRuns());
    }

    protected Optional<SandboxProvider> sandboxProvider() {
        return Optional.empty();
    }

    protected ServerConfig.Builder configure(ServerConfig.Builder b) {
        return b;
    }

    @BeforeParameterizedClassInvocation(injectArguments = false)
    void startServer() throws IOException {
        this.dir = Files.createTempDirectory("agentbox-test-");
        this.server = TestServer.start(db, dir, this::configure, executor(), sandboxProvider());
    }

    @AfterParameterizedClassInvocation
    void stopServer() {
        if (server != null) server.close();
        server = null;
        TestFiles.deleteRecursively(dir);
    }
}
