package io.agentbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.RecordedRequest;
import io.agentbox.testkit.Reply;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Local {@code agentbox mcp} driven by the official Java MCP client over stdio, started as MCP clients
 * start it: the launcher under {@code env -i} with a short PATH and no LANG, often one process per call.
 * Runs go to the scripted model; sandboxes are real.
 */
class McpStdioIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path home;
    private FakeAnthropic model;

    @BeforeEach
    void start() throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "abxm");
        model = FakeAnthropic.start();
    }

    @AfterEach
    void cleanUp() throws Exception {
        model.close();
        var local = Sandboxes.local(home);
        local.list(SandboxQuery.ALL).forEach(i -> local.kill(i.id()));
        // the launcher assembles its class cache in the background after a first start: let it finish
        Instant settled = Instant.now().plusSeconds(120);
        while (Instant.now().isBefore(settled) && recording()) Thread.sleep(100);
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private boolean recording() throws IOException {
        Path cache = home.resolve("cache");
        if (!Files.isDirectory(cache)) return false;
        try (Stream<Path> files = Files.list(cache)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".recording"));
        }
    }

    /** A fresh {@code agentbox mcp} process with nothing of this JVM's environment. */
    private McpSyncClient client(List<McpSchema.ProgressNotification> progress) {
        ServerParameters params = ServerParameters.builder("/usr/bin/env")
                .args("-i", "PATH=/usr/bin:/bin", "HOME=" + home, "AGENTBOX_HOME=" + home,
                        "ANTHROPIC_API_KEY=sk-test-key", "ANTHROPIC_BASE_URL=" + model.baseUrl(),
                        AgentboxProcess.REPO.resolve("bin/agentbox").toString(), "mcp")
                .build();
        McpSyncClient c = McpClient.sync(new StdioClientTransport(params, McpJsonDefaults.getMapper()))
                .requestTimeout(Duration.ofSeconds(120))
                .progressConsumer(progress::add)
                .build();
        c.initialize();
        return c;
    }

    private static JsonNode ok(McpSchema.CallToolResult r) throws IOException {
        assertThat(r.isError()).as(text(r)).isFalse();
        return JSON.readTree(text(r));
    }

    private static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().getFirst()).text();
    }

    private static McpSchema.CallToolResult call(McpSyncClient c, String tool, Map<String, Object> args) {
        return c.callTool(new McpSchema.CallToolRequest(tool, args));
    }

    @Test
    void runStartStreamsProgressAndTheRunIsThereForTheNextProcess() throws Exception {
        model.enqueue(Reply.toolUse("Bash", Map.of("command", "echo from-the-agent; echo \"lang=$LANG\"")), Reply.text("all done"));
        List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
        String runId;
        try (McpSyncClient c = client(progress)) {
            JsonNode run = ok(c.callTool(McpSchema.CallToolRequest.builder().name("run_start")
                    .arguments(Map.of("prompt", "run a command and say so")).progressToken("p-local").build()));
            assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("succeeded");
            assertThat(run.get("result").asText()).isEqualTo("all done");
            runId = run.get("id").asText();
            assertThat(runId).startsWith("run_");
            // progress arrived while the call ran, for this call's token, naming what the agent did
            assertThat(progress).isNotEmpty().allSatisfy(p -> assertThat(p.progressToken()).isEqualTo("p-local"));
            List<String> messages = progress.stream().map(McpSchema.ProgressNotification::message).toList();
            assertThat(messages).contains("tool Bash", "tool done", "all done", "run succeeded");
            assertThat(messages).anySatisfy(m -> assertThat(m).matches("sandbox sbx_[a-z0-9]+ ready"));
            assertThat(progress.stream().map(McpSchema.ProgressNotification::progress).toList()).isSorted();

            RecordedRequest.ToolResult result = model.messageRequests().get(1).lastToolResult().orElseThrow();
            assertThat(result.content()).contains("from-the-agent").contains("lang=C.UTF-8");
            assertThat(ok(call(c, "run_status", Map.of("runId", runId))).get("status").asText()).isEqualTo("succeeded");
        }
        noSandboxLeft("the run's sandbox goes with the run");

        // another process (MCP clients often start one per call) reads the same run
        try (McpSyncClient next = client(new CopyOnWriteArrayList<>())) {
            JsonNode status = ok(call(next, "run_status", Map.of("runId", runId)));
            assertThat(status.get("status").asText()).isEqualTo("succeeded");
            assertThat(status.get("result").asText()).isEqualTo("all done");
            assertThat(status.get("sandboxId").asText()).startsWith("sbx_");
            assertThat(status.at("/usage/inputTokens").asLong()).isPositive();
            JsonNode events = ok(call(next, "run_events", Map.of("runId", runId))).get("events");
            List<String> types = new ArrayList<>();
            events.forEach(e -> types.add(e.get("type").asText()));
            assertThat(types).containsSubsequence("run.started", "sandbox.ready", "tool.call", "tool.result", "text", "run.completed");
            assertThat(types.getLast()).isEqualTo("run.completed");
            JsonNode later = ok(call(next, "run_events", Map.of("runId", runId, "after", 2))).get("events");
            assertThat(later.get(0).get("seq").asInt()).isEqualTo(3);
            assertThat(later.size()).isEqualTo(events.size() - 2);
            McpSchema.CallToolResult unknown = call(next, "run_status", Map.of("runId", "run_doesnotexist"));
            assertThat(unknown.isError()).isTrue();
            assertThat(text(unknown)).contains("not found");
            McpSchema.CallToolResult traversal = call(next, "run_events", Map.of("runId", "../../etc/passwd"));
            assertThat(traversal.isError()).as("a run id is never a path").isTrue();
        }
    }

    @Test
    void aRunThatDoesNotWaitIsCanceledByTheProcessThatRunsIt() throws Exception {
        model.enqueue(Reply.builder().text("thinking it over").firstByteDelay(Duration.ofSeconds(60)).build());
        try (McpSyncClient c = client(new CopyOnWriteArrayList<>())) {
            JsonNode started = ok(call(c, "run_start", Map.of("prompt", "take your time", "wait", false)));
            String runId = started.get("id").asText();
            assertThat(started.get("status").asText()).isEqualTo("running");
            JsonNode canceled = ok(call(c, "run_cancel", Map.of("runId", runId, "reason", "not needed")));
            assertThat(canceled.get("status").asText()).as(canceled.toString()).isEqualTo("canceled");
            assertThat(canceled.get("reason").asText()).isEqualTo("not needed");
            McpSchema.CallToolResult empty = call(c, "run_start", Map.of("prompt", "  "));
            assertThat(empty.isError()).isTrue();
            assertThat(text(empty)).contains("prompt");
        }
        noSandboxLeft("the canceled run's sandbox is gone");
    }

    private void noSandboxLeft(String what) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!Sandboxes.local(home).list(SandboxQuery.ALL).isEmpty()) {
            assertThat(Instant.now()).as(what).isBefore(deadline);
            Thread.sleep(100);
        }
    }
}
