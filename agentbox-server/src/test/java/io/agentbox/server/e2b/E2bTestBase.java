package io.agentbox.server.e2b;

import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.TestFiles;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** One real server per class (SQLite; the E2B layer does not touch the database beyond tenancy) with its E2B port. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class E2bTestBase {
    protected Path dir;
    protected TestServer server;
    protected String e2bUrl;

    @BeforeAll
    void startServer() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "abx-e2b-");
        server = TestServer.start(Db.SQLITE, dir, b -> b, Optional.empty(), Optional.empty());
        e2bUrl = server.server().e2bUrl().orElseThrow();
    }

    @AfterAll
    void stopServer() {
        try {
            if (server != null) server.close();
            var local = Sandboxes.local(dir.resolve("data"));
            local.list(SandboxQuery.ALL).forEach(i -> local.kill(i.id()));
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }
}
