package io.agentbox.server.e2b;

import io.agentbox.sandbox.SandboxContract;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.sandbox.e2b.E2bSandboxProvider;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.TestFiles;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The sandbox module's provider contract on the E2B provider, against {@code agentbox serve}'s E2B API
 * (which runs local sandboxes): both sides of the protocol are ours, and they must agree with each
 * other and with local sandboxes.
 */
class E2bSandboxContractTest extends SandboxContract {
    private Path dir;
    private TestServer server;
    private SandboxProvider provider;

    @BeforeAll
    void startServer() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "abx-e2bp-");
        server = TestServer.start(Db.SQLITE, dir, b -> b, Optional.empty(), Optional.empty());
        String url = server.server().e2bUrl().orElseThrow();
        provider = E2bSandboxProvider.builder().apiKey(server.ownerKey()).apiUrl(url).sandboxUrl(url).build();
    }

    @Override
    protected SandboxProvider provider() {
        return provider;
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
