package io.agentbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.RecordedRequest;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** MCP through the packaged CLI: {@code --mcp-config} on {@code run}. */
class McpCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Path TEST_SERVER = AgentboxProcess.REPO.resolve("agentbox-agent/src/test/resources/mcp/misbehaving_server.py");
    private static Path home;
    private static SandboxProvider provider;
    private FakeAnthropic model;
    private AgentboxProcess agentbox;

    @BeforeAll
    static void createHome() throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "abx");
        provider = Sandboxes.local(home);
    }

    @BeforeEach
    void startModel() {
        model = FakeAnthropic.start();
        agentbox = new AgentboxProcess(home).withEnv(Map.of("ANTHROPIC_API_KEY", "sk-test-key", "ANTHROPIC_BASE_URL", model.baseUrl(),
                "MCP_TEST_GREETING", "hello from the host env"));
    }

    @AfterEach
    void stopModelAndSandboxes() {
        model.close();
        provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
    }

    @AfterAll
    static void removeHome() throws IOException {
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void mcpConfigStartsTheServerInTheSandboxWithExpandedVariables(@TempDir Path dir) throws IOException {
        Path upload = Files.createDirectories(dir.resolve("upload"));
        Files.copy(TEST_SERVER, upload.resolve("server.py"));
        Path config = dir.resolve(".mcp.json");
        Files.writeString(config, """
                {"mcpServers": {"py": {"command": "python3", "args": ["/workspace/server.py"], "env": {"GREETING": "${MCP_TEST_GREETING}"}}}}""");
        model.enqueue(Reply.toolUse("mcp__py__greet", Map.of()), Reply.text("ok"));
        AgentboxProcess.Result r = agentbox.run("run", "--mcp-config", config.toString(), "--upload", upload.toString(),
                "--output-format", "stream-json", "go");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<JsonNode> events = new ArrayList<>();
        for (String l : r.stdout().lines().toList()) events.add(JSON.readTree(l));
        JsonNode started = events.getFirst();
        assertThat(started.path("type").asText()).isEqualTo("run.started");
        assertThat(started.at("/data/mcpServers/0/name").asText()).isEqualTo("py");
        assertThat(started.at("/data/mcpServers/0/status").asText()).isEqualTo("connected");
        assertThat(started.at("/data/tools").toString()).contains("mcp__py__greet", "mcp__py__boom");
        RecordedRequest.ToolResult result = model.messageRequests().get(1).lastToolResult().orElseThrow();
        assertThat(result.content()).isEqualTo("greeting: hello from the host env");

        // the JSON itself works too; an unset variable is a configuration error (exit 2) that names it
        AgentboxProcess.Result bad = agentbox.run("run", "--mcp-config",
                "{\"mcpServers\": {\"py\": {\"command\": \"python3\", \"env\": {\"K\": \"${MCP_TEST_UNSET_VAR}\"}}}}", "go");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
        assertThat(bad.stderr()).contains("MCP_TEST_UNSET_VAR");
    }
}
