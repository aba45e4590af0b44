package io.agentbox.server;

import io.agentbox.server.support.Db;
import io.agentbox.server.support.TestFiles;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A server started without ANTHROPIC_API_KEY serves everything but refuses work it cannot do, storing nothing. */
class NoModelKeyTest {
    @ParameterizedTest(name = "{0}")
    @EnumSource(Db.class)
    void runsAndMessagesAre503(Db db) throws Exception {
        Path dir = Files.createTempDirectory("agentbox-nokey-");
        try (TestServer server = TestServer.start(db, dir, b -> b, Optional.empty(), Optional.empty())) {
            var run = server.owner().post("/v1/runs", Map.of("prompt", "say hi"));
            assertThat(run.status()).isEqualTo(503);
            assertThat(run.errorCode()).isEqualTo("unavailable");
            assertThat(run.errorMessage()).contains("ANTHROPIC_API_KEY");
            String session = server.owner().post("/v1/sessions", Map.of()).json().get("id").asText();
            assertThat(server.owner().post("/v1/sessions/" + session + "/messages", Map.of("prompt", "say hi")).status()).isEqualTo(503);
            assertThat(server.owner().get("/v1/runs").json().get("data")).isEmpty();
            assertThat(server.anonymous().get("/readyz").status()).isEqualTo(200);
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }
}
