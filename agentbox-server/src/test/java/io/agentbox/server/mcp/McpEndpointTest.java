package io.agentbox.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.TestServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /mcp} through the official Java MCP client (Streamable HTTP): the whole sandbox and run tool
 * set as a workspace member, progress of {@code run_start}, input errors, and another workspace's key.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Db.class, names = "SQLITE")
class McpEndpointTest extends ServerTestBase {

    private McpSyncClient client(Http as, List<McpSchema.ProgressNotification> progress) {
        String key = as.key().orElseThrow();
        McpSyncClient c = McpClient.sync(HttpClientStreamableHttpTransport.builder(server.url()).endpoint("/mcp")
                        .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + key)).build())
                .requestTimeout(Duration.ofSeconds(90))
                .progressConsumer(progress::add)
                .build();
        c.initialize();
        return c;
    }

    private static JsonNode ok(McpSchema.CallToolResult r) {
        assertThat(r.isError()).as(text(r)).isFalse();
        try {
            return Http.JSON.readTree(text(r));
        } catch (IOException e) {
            throw new AssertionError(text(r), e);
        }
    }

    private static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().getFirst()).text();
    }

    private static McpSchema.CallToolResult call(McpSyncClient c, String tool, Map<String, Object> args) {
        return c.callTool(new McpSchema.CallToolRequest(tool, args));
    }

    @Test
    void theWholeToolSetWorksForAMemberAndNotAcrossWorkspaces() {
        TestServer.Tenant a = server.tenant("mcp-a");
        TestServer.Tenant b = server.tenant("mcp-b");
        List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
        try (McpSyncClient c = client(a.member(), progress); McpSyncClient intruder = client(b.admin(), new CopyOnWriteArrayList<>())) {
            assertThat(c.getServerInfo().name()).isEqualTo("agentbox");
            assertThat(c.listTools().tools()).extracting(McpSchema.Tool::name).containsExactly("sandbox_create", "sandbox_exec",
                    "sandbox_read_file", "sandbox_write_file", "sandbox_list", "sandbox_kill", "run_start", "run_status", "run_events", "run_cancel");

            JsonNode sbx = ok(call(c, "sandbox_create", Map.of("timeout", "5m", "metadata", Map.of("purpose", "mcp-test"))));
            String id = sbx.get("id").asText();
            assertThat(sandboxes().connect(id).info().metadata()).containsEntry("purpose", "mcp-test");
            ok(call(c, "sandbox_write_file", Map.of("sandboxId", id, "path", "/workspace/in.txt", "content", "six times seven\n")));
            JsonNode exec = ok(call(c, "sandbox_exec", Map.of("sandboxId", id, "command", "cat in.txt; echo $((6*7)); id -u")));
            assertThat(exec.get("exitCode").asInt()).isZero();
            assertThat(exec.get("stdout").asText()).isEqualTo("six times seven\n42\n1000\n");
            JsonNode failing = ok(call(c, "sandbox_exec", Map.of("sandboxId", id, "command", "echo oops >&2; exit 3")));
            assertThat(failing.get("exitCode").asInt()).isEqualTo(3);
            assertThat(failing.get("stderr").asText()).contains("oops");
            assertThat(ok(call(c, "sandbox_read_file", Map.of("sandboxId", id, "path", "in.txt"))).get("content").asText()).isEqualTo("six times seven\n");
            assertThat(ok(call(c, "sandbox_list", Map.of())).get("data").findValuesAsText("id")).contains(id);

            // another workspace's key sees none of it
            McpSchema.CallToolResult stolen = call(intruder, "sandbox_exec", Map.of("sandboxId", id, "command", "touch /workspace/pwned"));
            assertThat(stolen.isError()).isTrue();
            assertThat(text(stolen)).contains("not_found");
            assertThat(call(intruder, "sandbox_read_file", Map.of("sandboxId", id, "path", "in.txt")).isError()).isTrue();
            assertThat(call(intruder, "sandbox_kill", Map.of("sandboxId", id)).isError()).isTrue();
            assertThat(ok(call(intruder, "sandbox_list", Map.of())).get("data").findValuesAsText("id")).doesNotContain(id);
            assertThat(ok(call(c, "sandbox_exec", Map.of("sandboxId", id, "command", "ls /workspace"))).get("stdout").asText()).doesNotContain("pwned");

            // input is checked, and a mistake is a tool error that says what is wrong
            McpSchema.CallToolResult missing = call(c, "sandbox_exec", Map.of("sandboxId", id));
            assertThat(missing.isError()).isTrue();
            assertThat(text(missing)).contains("'command' is required");
            assertThat(text(call(c, "sandbox_exec", Map.of("sandboxId", id, "command", 5)))).contains("'command' must be a string");
            assertThat(text(call(c, "run_status", Map.of("runId", "run_x", "bogus", true)))).contains("unknown argument 'bogus'");

            ok(call(c, "sandbox_kill", Map.of("sandboxId", id)));
            assertThat(call(c, "sandbox_exec", Map.of("sandboxId", id, "command", "true")).isError()).isTrue();

            // a run, waited for with progress
            JsonNode run = ok(c.callTool(McpSchema.CallToolRequest.builder().name("run_start")
                    .arguments(Map.of("prompt", "bash echo from-the-agent; say all done"))
                    .progressToken("p-1").build()));
            assertThat(run.get("status").asText()).isEqualTo("succeeded");
            assertThat(run.get("result").asText()).isEqualTo("all done");
            assertThat(progress).isNotEmpty().allSatisfy(p -> assertThat(p.progressToken()).isEqualTo("p-1"));
            assertThat(progress).anySatisfy(p -> assertThat(p.message()).contains("tool Bash"));
            String runId = run.get("id").asText();
            assertThat(ok(call(c, "run_status", Map.of("runId", runId))).get("status").asText()).isEqualTo("succeeded");
            JsonNode events = ok(call(c, "run_events", Map.of("runId", runId)));
            assertThat(events.get("events").findValuesAsText("type")).contains("run.started", "tool.call", "run.completed");
            assertThat(ok(call(c, "run_events", Map.of("runId", runId, "after", 2))).get("events").get(0).get("seq").asInt()).isEqualTo(3);
            assertThat(text(call(intruder, "run_status", Map.of("runId", runId)))).contains("not_found");
            assertThat(call(intruder, "run_events", Map.of("runId", runId)).isError()).isTrue();

            // a run started without waiting, canceled
            JsonNode held = ok(call(c, "run_start", Map.of("prompt", "hold mcp-gate", "wait", false)));
            String heldId = held.get("id").asText();
            assertThat(call(intruder, "run_cancel", Map.of("runId", heldId)).isError()).isTrue();
            JsonNode canceled = ok(call(c, "run_cancel", Map.of("runId", heldId, "reason", "not needed")));
            assertThat(canceled.get("status").asText()).isEqualTo("canceled");
            Poll.until(Duration.ofSeconds(30), () -> ok(call(c, "run_status", Map.of("runId", heldId))).get("status").asText(), "canceled"::equals, "canceled");
        }
    }

    @Test
    void theEndpointNeedsAnApiKey() {
        var res = server.anonymous().post("/mcp", Map.of("jsonrpc", "2.0", "id", 1, "method", "tools/list"));
        assertThat(res.status()).isEqualTo(401);
        assertThat(res.errorCode()).isEqualTo("unauthorized");
        var wrong = server.anonymous().as("sk-not-a-key").post("/mcp", Map.of("jsonrpc", "2.0", "id", 1, "method", "tools/list"));
        assertThat(wrong.status()).isEqualTo(401);
        var list = server.owner().post("/mcp", Map.of("jsonrpc", "2.0", "id", 1, "method", "tools/list"));
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().at("/result/tools").findValuesAsText("name")).contains("run_start");
    }

    @Test
    void runsTakeMcpServersAsAnOptionWithCredentialsRedacted() {
        Map<String, Object> servers = Map.of(
                "quiet", Map.of("command", "true"),
                "web", Map.of("type", "http", "url", "http://127.0.0.1:9/mcp", "headers", Map.of("Authorization", "Bearer mcp-secret-4f1e9a")));
        var bad = server.owner().post("/v1/runs", Map.of("prompt", "say hi", "options", Map.of("mcpServers", Map.of("bad name", Map.of("command", "x")))));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("options.mcpServers").contains("bad name");
        var noCommand = server.owner().post("/v1/runs", Map.of("prompt", "say hi", "options", Map.of("mcpServers", Map.of("s", Map.of("args", List.of())))));
        assertThat(noCommand.status()).isEqualTo(400);

        String id = server.owner().post("/v1/runs", Map.of("prompt", "say hi", "options", Map.of("mcpServers", servers))).json().get("id").asText();
        Poll.until(Duration.ofSeconds(60), () -> server.owner().get("/v1/runs/" + id).json().get("status").asText(), "succeeded"::equals, "run end");
        JsonNode view = server.owner().get("/v1/runs/" + id).json();
        assertThat(view.at("/options/mcpServers/web/headers/Authorization").asText()).isEqualTo("[redacted]");
        assertThat(view.at("/options/mcpServers/web/url").asText()).isEqualTo("http://127.0.0.1:9/mcp");
        String events = server.owner().get("/v1/runs/" + id + "/events?follow=false").body();
        assertThat(events).doesNotContain("mcp-secret-4f1e9a");
        JsonNode started = Http.JSON.valueToTree(events.lines().filter(l -> l.startsWith("data: ") && l.contains("run.started"))
                .map(l -> { try { return Http.JSON.readTree(l.substring(6)); } catch (IOException e) { throw new AssertionError(e); } })
                .findFirst().orElseThrow());
        assertThat(started.at("/data/mcpServers").findValuesAsText("status")).containsExactly("failed", "failed");
        assertThat(started.at("/data/mcpServers").toString()).contains("network policy (none)");
    }
}
