package io.agentbox.server.support;

import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.server.ServerConfig;
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
 * @EnumSource(Db.class)}, so every test runs on SQLite and on PostgreSQL. Runs execute with the real
 * agent runtime in real sandboxes, against a {@link ScriptedModel} that the prompts script.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ServerTestBase {
    @Parameter
    protected Db db;
    protected Path dir;
    protected ScriptedModel model;
    protected TestServer server;

    protected ServerConfig.Builder configure(ServerConfig.Builder b) {
        return b;
    }

    @BeforeParameterizedClassInvocation(injectArguments = false)
    void startServer() throws IOException {
        this.dir = Files.createTempDirectory("agentbox-test-");
        this.model = ScriptedModel.start();
        this.server = TestServer.start(db, dir, b -> configure(TestServer.withModel(b, model)), Optional.empty(), Optional.empty());
    }

    /** The sandboxes of this class's server, as any process on the machine sees them. */
    protected SandboxProvider sandboxes() {
        return Sandboxes.local(dir.resolve("data"));
    }

    @AfterParameterizedClassInvocation
    void stopServer() {
        try {
            if (server != null) server.close();
            server = null;
            // Sessions keep their sandboxes across server restarts; a test class ends them all.
            if (dir != null) sandboxes().list(SandboxQuery.ALL).forEach(i -> sandboxes().kill(i.id()));
        } finally {
            if (model != null) model.close();
            TestFiles.deleteRecursively(dir);
        }
    }
}
