package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.Pool;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ScriptedModel;
import io.agentbox.server.support.TestFiles;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code agentbox serve --pool host=2}: runs start in pooled sandboxes, and none outlives the server. */
class ServerPoolTest {
    private Path dir;
    private ScriptedModel model;

    @AfterEach
    void cleanUp() {
        if (dir != null) {
            var provider = Sandboxes.local(dir.resolve("data"));
            provider.list(SandboxQuery.ALL).forEach(i -> provider.kill(i.id()));
        }
        if (model != null) model.close();
        TestFiles.deleteRecursively(dir);
    }

    private Set<String> stateDirs() {
        try (Stream<Path> s = Files.list(dir.resolve("data/sandboxes"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("sbx_")).collect(Collectors.toSet());
        } catch (IOException e) {
            return Set.of();
        }
    }

    @Test
    void runsTakePooledSandboxesAndCloseKillsTheRest() throws IOException {
        dir = Files.createTempDirectory("agentbox-pool-");
        model = ScriptedModel.start();
        try (TestServer server = TestServer.start(Db.SQLITE, dir,
                b -> TestServer.withModel(b, model).pools(List.of(Pool.of("host", 2))), Optional.empty(), Optional.empty())) {
            Set<String> ready = Poll.until(Duration.ofSeconds(30), this::stateDirs, s -> s.size() == 2, "two pooled sandboxes");
            assertThat(Sandboxes.local(dir.resolve("data")).list(SandboxQuery.ALL)).isEmpty();

            Http http = server.owner();
            String run = http.post("/v1/runs", Map.of("prompt", "bash echo from-the-pool > /workspace/out.txt; succeed")).json().get("id").asText();
            JsonNode done = Poll.until(Duration.ofSeconds(60), () -> http.get("/v1/runs/" + run).json(),
                    r -> r.get("status").asText().equals("succeeded") || r.get("status").asText().equals("failed"), "the run to end");
            assertThat(done.get("status").asText()).isEqualTo("succeeded");
            assertThat(ready).contains(done.get("sandboxId").asText());

            Poll.until(Duration.ofSeconds(30), this::stateDirs, s -> s.size() == 2 && !s.equals(ready), "the pool to refill");
        }
        assertThat(stateDirs()).isEmpty();
    }

    @Test
    void aBadPoolFlagIsAOneLineError() {
        assertThatThrownBy(() -> ServerConfig.load(Map.of("pool", "host=lots"), Map.of()))
                .hasMessage("invalid --pool 'host=lots': pool size must be a number, got 'lots'");
        assertThat(ServerConfig.load(Map.of("pool", "host=8,py=1"), Map.of()).pools())
                .containsExactly(Pool.of("host", 8), Pool.of("py", 1));
        assertThat(ServerConfig.load(Map.of(), Map.of("AGENTBOX_POOL", "host=3")).pools()).containsExactly(Pool.of("host", 3));
    }
}
