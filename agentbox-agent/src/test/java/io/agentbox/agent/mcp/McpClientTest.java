package io.agentbox.agent.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.it.Harness;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.testkit.RecordedRequest;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MCP servers as agent tools, against the MCP reference server ({@code server-everything}, pinned) run
 * inside a real sandbox over stdio and on loopback over Streamable HTTP, plus a server that misbehaves.
 */
class McpClientTest {
    @RegisterExtension
    final Harness h = new Harness();

    private Sandbox sandbox(NetworkPolicy network) {
        Sandbox s = h.provider().create(SandboxSpec.builder().timeout(Duration.ofMinutes(3)).network(network).build());
        ReferenceServers.installIn(s);
        return s;
    }

    private List<RecordedRequest.ToolResult> results() {
        return h.fake().messageRequests().stream().skip(1).flatMap(r -> r.lastToolResult().stream()).toList();
    }

    private JsonNode offeredTool(String name) {
        for (JsonNode t : h.fake().messageRequests().getFirst().body().path("tools")) {
            if (t.path("name").asText().equals(name)) return t;
        }
        throw new AssertionError("tool " + name + " was not offered");
    }

    @Test
    void aStdioServerRunsInTheSandboxAndItsToolsReachTheModel() {
        try (Sandbox s = sandbox(NetworkPolicy.none())) {
            h.fake().enqueue(Reply.toolUse("mcp__everything__echo", Map.of("message", "hello from the model")),
                    Reply.toolUse("mcp__everything__get-sum", Map.of("a", 2, "b", 40)),
                    Reply.toolUse("mcp__everything__get-env", Map.of()),
                    Reply.text("done"));
            Harness.Events events = new Harness.Events();
            McpServerConfig.Stdio everything = ReferenceServers.stdio();
            AgentResult r = h.agent().useSandbox(s)
                    .mcpServer("everything", new McpServerConfig.Stdio(everything.command(), everything.args(), Map.of("MCP_MARKER", "set-by-config")))
                    .build().run("use the tools", events);

            assertThat(r.isSuccess()).as(String.valueOf(r)).isTrue();
            List<String> offered = h.fake().messageRequests().getFirst().toolNames();
            assertThat(offered).contains("Bash", "mcp__everything__echo", "mcp__everything__get-sum",
                    "mcp__everything__trigger-long-running-operation", "ListMcpResources", "ReadMcpResource");
            // the server's own schema reaches the model
            assertThat(offeredTool("mcp__everything__echo").path("input_schema").path("properties").has("message")).isTrue();
            assertThat(offeredTool("mcp__everything__get-sum").path("input_schema").path("required").toString()).contains("a", "b");

            List<RecordedRequest.ToolResult> results = results();
            assertThat(results.get(0).content()).isEqualTo("Echo: hello from the model");
            assertThat(results.get(0).isError()).isFalse();
            assertThat(results.get(1).content()).contains("42");
            // the server's environment is the sandbox's plus the configured variables: no host secrets
            String env = results.get(2).content();
            assertThat(env).contains("MCP_MARKER").contains("set-by-config").contains("/home/user")
                    .doesNotContain(Harness.API_KEY).doesNotContain("ANTHROPIC");

            EventData.RunStarted started = events.of(EventData.RunStarted.class).getFirst();
            assertThat(events.types().getFirst()).isEqualTo("run.started");
            assertThat(started.tools()).contains("mcp__everything__echo");
            assertThat(started.mcpServers()).singleElement().satisfies(st -> {
                assertThat(st.name()).isEqualTo("everything");
                assertThat(st.status()).isEqualTo("connected");
                assertThat(st.transport()).isEqualTo("stdio");
                assertThat(st.tools()).isGreaterThan(5);
            });
            assertThat(events.types()).containsSubsequence("run.started", "sandbox.ready", "mcp.server", "tool.call", "run.completed");
        }
    }

    @Test
    void aLongToolReportsProgressAndResourcesAreReadable() throws IOException {
        try (Sandbox s = sandbox(NetworkPolicy.none())) {
            h.fake().enqueue(Reply.toolUse("mcp__everything__trigger-long-running-operation", Map.of("duration", 1, "steps", 4)),
                    Reply.toolUse("ListMcpResources", Map.of("server", "everything")),
                    Reply.toolUse("ReadMcpResource", Map.of("server", "everything", "uri", "demo://resource/static/document/features.md")),
                    Reply.text("done"));
            Harness.Events events = new Harness.Events();
            AgentResult r = h.agent().useSandbox(s).mcpServer("everything", ReferenceServers.stdio()).build().run("go", events);
            assertThat(r.isSuccess()).isTrue();

            List<RecordedRequest.ToolResult> results = results();
            assertThat(results.get(0).content()).contains("Long running operation completed");
            String callId = events.of(EventData.ToolCall.class).getFirst().id();
            List<EventData.McpProgress> progress = events.of(EventData.McpProgress.class);
            assertThat(progress).hasSize(4).allSatisfy(p -> {
                assertThat(p.id()).isEqualTo(callId);
                assertThat(p.server()).isEqualTo("everything");
                assertThat(p.tool()).isEqualTo("trigger-long-running-operation");
                assertThat(p.total()).contains(4.0);
            });
            assertThat(progress.stream().map(EventData.McpProgress::progress).toList()).containsExactly(1.0, 2.0, 3.0, 4.0);
            // progress arrives while the call runs, before its result
            assertThat(events.types().indexOf("mcp.progress")).isLessThan(events.types().indexOf("tool.result"));

            assertThat(results.get(1).content()).contains("demo://resource/static/document/features.md");
            String features = Files.readString(ReferenceServers.everything()
                    .resolve("@modelcontextprotocol/server-everything/dist/docs/features.md"));
            String firstLine = features.lines().filter(l -> !l.isBlank()).findFirst().orElseThrow();
            assertThat(results.get(2).isError()).isFalse();
            assertThat(json(results.get(2).content()).path("contents").get(0).path("text").asText()).contains(firstLine);
        }
    }

    private static JsonNode json(String s) {
        try {
            return io.agentbox.agent.event.Events.mapper().readTree(s);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aToolErrorReachesTheModelAsAnErrorResult() {
        try (Sandbox s = sandbox(NetworkPolicy.none())) {
            h.fake().enqueue(Reply.toolUse("mcp__everything__get-sum", Map.of("a", "not a number", "b", 1)), Reply.text("ok"));
            Harness.Events events = new Harness.Events();
            AgentResult r = h.agent().useSandbox(s).mcpServer("everything", ReferenceServers.stdio()).build().run("go", events);
            assertThat(r.isSuccess()).isTrue();
            assertThat(results().getFirst().isError()).isTrue();
            assertThat(results().getFirst().content()).containsIgnoringCase("number");
            assertThat(events.of(EventData.ToolResult.class).getFirst().isError()).isTrue();
            // a tool error is the tool's answer, not a failure of the server
            assertThat(events.of(EventData.McpServerStatus.class)).allMatch(st -> st.status().equals("connected"));
        }
    }

    @Test
    void denyRulesApplyToMcpToolsByNameAndByServer() {
        try (Sandbox s = sandbox(NetworkPolicy.none())) {
            h.fake().enqueue(Reply.toolUse("mcp__everything__echo", Map.of("message", "x")), Reply.text("ok"));
            AgentResult r = h.agent().useSandbox(s).mcpServer("everything", ReferenceServers.stdio())
                    .disallowedTools("mcp__everything__echo").build().run("go", new Harness.Events());
            assertThat(r.isSuccess()).isTrue();
            assertThat(h.fake().messageRequests().getFirst().toolNames()).doesNotContain("mcp__everything__echo")
                    .contains("mcp__everything__get-sum");
            assertThat(results().getFirst().isError()).isTrue();
            assertThat(results().getFirst().content()).contains("disallowed");
        }
        h.fake().reset();
        try (Sandbox s = sandbox(NetworkPolicy.none())) {
            h.fake().enqueue(Reply.toolUse("mcp__everything__get-sum", Map.of("a", 1, "b", 2)), Reply.text("ok"));
            AgentResult r = h.agent().useSandbox(s).mcpServer("everything", ReferenceServers.stdio())
                    .disallowedTools("mcp__everything__*").build().run("go", new Harness.Events());
            assertThat(r.isSuccess()).isTrue();
            assertThat(h.fake().messageRequests().getFirst().toolNames()).noneMatch(n -> n.startsWith("mcp__everything__")).contains("Bash");
            assertThat(results().getFirst().content()).contains("disallowed");
        }
    }

    @Test
    void aServerThatExitsMidCallGivesAToolErrorAndAnEventNotAHungRun() throws IOException {
        try (Sandbox s = h.provider().create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).build())) {
            s.files().write("/tmp/misbehaving_server.py", resource("misbehaving_server.py"));
            h.fake().enqueue(Reply.toolUse("mcp__bad__boom", Map.of()), Reply.toolUse("mcp__bad__boom", Map.of()), Reply.text("survived"));
            Harness.Events events = new Harness.Events();
            long start = System.nanoTime();
            AgentResult r = h.agent().useSandbox(s).mcpServer("bad", McpServerConfig.Stdio.of("python3", "/tmp/misbehaving_server.py"))
                    .mcpTimeouts(new McpTimeouts(Duration.ofSeconds(20), Duration.ofSeconds(120))).build().run("go", events);
            assertThat(r.isSuccess()).isTrue();
            assertThat(r.result()).isEqualTo("survived");
            // the exit is seen at once, not after the 120s call timeout
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(50));
            List<RecordedRequest.ToolResult> results = results();
            assertThat(results.get(0).isError()).isTrue();
            assertThat(results.get(0).content()).contains("bad").contains("exited").contains("code 3").contains("exiting on purpose");
            assertThat(results.get(1).isError()).isTrue();
            assertThat(results.get(1).content()).contains("not available");
            List<EventData.McpServerStatus> statuses = events.of(EventData.McpServerStatus.class);
            assertThat(statuses).extracting(EventData.McpServerStatus::status).containsExactly("connected", "failed");
            assertThat(statuses.get(1).error()).hasValueSatisfying(e -> assertThat(e).contains("exited"));
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOutAndIsStopped() throws IOException {
        try (Sandbox s = h.provider().create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).build())) {
            s.files().write("/tmp/misbehaving_server.py", resource("misbehaving_server.py"));
            h.fake().enqueue(Reply.toolUse("mcp__bad__hang", Map.of()), Reply.text("survived"));
            Harness.Events events = new Harness.Events();
            long start = System.nanoTime();
            AgentResult r = h.agent().useSandbox(s)
                    .mcpServer("bad", McpServerConfig.Stdio.of("python3", "/tmp/misbehaving_server.py"))
                    .mcpServer("mute", McpServerConfig.Stdio.of("sleep", "600"))
                    .mcpTimeouts(new McpTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(2))).build().run("go", events);
            assertThat(r.isSuccess()).isTrue();
            assertThat(results().getFirst().isError()).isTrue();
            assertThat(results().getFirst().content()).contains("got no answer within 2s");
            // one startup timeout (3s) and one call timeout (2s), plus stopping and a loaded machine: not a hung run
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));

            EventData.RunStarted started = events.of(EventData.RunStarted.class).getFirst();
            assertThat(started.mcpServers()).extracting(EventData.McpServerStatus::name, EventData.McpServerStatus::status)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("bad", "connected"), org.assertj.core.groups.Tuple.tuple("mute", "failed"));
            assertThat(started.mcpServers().get(1).error()).hasValueSatisfying(e -> assertThat(e).contains("no answer within 3s"));
            assertThat(started.tools()).contains("mcp__bad__hang").noneMatch(t -> t.startsWith("mcp__mute__"));
            assertThat(events.of(EventData.McpServerStatus.class)).anySatisfy(st -> {
                assertThat(st.name()).isEqualTo("bad");
                assertThat(st.status()).isEqualTo("failed");
            });
            // both server processes are gone from the sandbox
            Harness.await(Duration.ofSeconds(10), "the MCP server processes to end", () -> s.commands().list().stream().filter(io.agentbox.sandbox.ProcessInfo::running)
                    .noneMatch(p -> String.join(" ", p.argv()).contains("misbehaving_server") || String.join(" ", p.argv()).contains("sleep 600")));
        }
    }

    @Test
    void anHttpServerIsReachedFromTheHostWhenTheNetworkPolicyAllowsIt() {
        try (ReferenceServers.Http http = ReferenceServers.startHttp();
             Sandbox open = h.provider().create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).network(NetworkPolicy.open()).build())) {
            h.fake().enqueue(Reply.toolUse("mcp__web__echo", Map.of("message", "over http")),
                    Reply.toolUse("mcp__web__trigger-long-running-operation", Map.of("duration", 1, "steps", 2)),
                    Reply.toolUse("mcp__web__get-sum", Map.of("a", 2, "b", 40)),
                    Reply.toolUse("mcp__web__get-sum", Map.of("a", "not a number", "b", 1)),
                    Reply.toolUse("mcp__web__get-env", Map.of()), Reply.text("ok"));
            Harness.Events events = new Harness.Events();
            AgentResult r = h.agent().useSandbox(open).mcpServer("web", McpServerConfig.Http.of(http.url()))
                    .disallowedTools("mcp__web__get-env").build().run("go", events);
            assertThat(r.isSuccess()).isTrue();
            assertThat(results().get(0).content()).isEqualTo("Echo: over http");
            assertThat(results().get(1).content()).contains("completed");
            assertThat(results().get(2).content()).contains("42");
            assertThat(results().get(2).isError()).isFalse();
            // a tool error over HTTP is the tool's answer too, and the server stays connected
            assertThat(results().get(3).isError()).isTrue();
            assertThat(results().get(3).content()).containsIgnoringCase("number");
            // a deny rule hides an HTTP server's tool and refuses a call to it
            assertThat(h.fake().messageRequests().getFirst().toolNames()).contains("mcp__web__get-sum").doesNotContain("mcp__web__get-env");
            assertThat(results().get(4).isError()).isTrue();
            assertThat(results().get(4).content()).contains("disallowed");
            assertThat(events.of(EventData.McpServerStatus.class)).allMatch(st -> st.status().equals("connected"));
            assertThat(events.of(EventData.McpProgress.class)).hasSize(2);
            assertThat(events.of(EventData.RunStarted.class).getFirst().mcpServers().getFirst().transport()).isEqualTo("http");

            h.fake().reset();
            try (Sandbox closed = h.provider().create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).build())) {
                h.fake().enqueue(Reply.text("no tools"));
                Harness.Events none = new Harness.Events();
                AgentResult r2 = h.agent().useSandbox(closed).mcpServer("web", McpServerConfig.Http.of(http.url())).build().run("go", none);
                assertThat(r2.isSuccess()).isTrue();
                EventData.McpServerStatus st = none.of(EventData.RunStarted.class).getFirst().mcpServers().getFirst();
                assertThat(st.status()).isEqualTo("failed");
                assertThat(st.error()).hasValueSatisfying(e -> assertThat(e).contains("network policy (none)").contains("127.0.0.1"));
                assertThat(h.fake().messageRequests().getFirst().toolNames()).noneMatch(n -> n.startsWith("mcp__"));
            }
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = McpClientTest.class.getResourceAsStream("/mcp/" + name)) {
            if (in == null) throw new IOException("no test resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
        }
    }
}
