package io.agentbox.agent.mcp;

import io.agentbox.ConfigException;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.permission.ToolRule;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code .mcp.json} format, variable expansion, MCP rule names and the MCP events' wire shape. */
class McpConfigTest {
    private static final Map<String, String> ENV = Map.of("TOKEN", "s3cret-token", "HOST", "mcp.example.com");

    private static Map<String, McpServerConfig> parse(String json) {
        return McpConfig.parse(json, n -> Optional.ofNullable(ENV.get(n)));
    }

    @Test
    void readsClaudeCodesFormatWithExpansion() {
        Map<String, McpServerConfig> servers = parse("""
                {"mcpServers": {
                  "memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory", "${HOST}"], "env": {"KEY": "${TOKEN}", "MODE": "${MODE:-fast}"}},
                  "github": {"type": "http", "url": "https://${HOST}/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"}},
                  "legacy": {"type": "sse", "url": "http://127.0.0.1:9/sse"},
                  "implicit": {"url": "https://x.example/mcp"}
                }}""");
        assertThat(servers.keySet()).containsExactly("memory", "github", "legacy", "implicit");
        assertThat(servers.get("memory")).isEqualTo(new McpServerConfig.Stdio("npx",
                List.of("-y", "@modelcontextprotocol/server-memory", "mcp.example.com"), Map.of("KEY", "s3cret-token", "MODE", "fast")));
        McpServerConfig.Http gh = (McpServerConfig.Http) servers.get("github");
        assertThat(gh.url()).isEqualTo(URI.create("https://mcp.example.com/mcp"));
        assertThat(gh.headers()).containsEntry("Authorization", "Bearer s3cret-token");
        // header values can be credentials: they never show in a printed config
        assertThat(gh.toString()).contains("Authorization").doesNotContain("s3cret-token");
        assertThat(servers.get("legacy")).isInstanceOf(McpServerConfig.Sse.class);
        assertThat(servers.get("implicit").type()).isEqualTo("http");
    }

    @Test
    void withoutAnEnvironmentTextStaysAsItIs() throws Exception {
        Map<String, McpServerConfig> servers = McpConfig.parseServers(Events.mapper().readTree(
                "{\"s\": {\"command\": \"echo\", \"args\": [\"${TOKEN}\"]}}"), Optional.empty());
        assertThat(((McpServerConfig.Stdio) servers.get("s")).args()).containsExactly("${TOKEN}");
    }

    @Test
    void mistakesAreClearErrors() {
        assertThatThrownBy(() -> parse("{\"mcpServers\": {\"a\": {\"command\": \"x\", \"env\": {\"K\": \"${UNSET_VAR}\"}}}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("UNSET_VAR").hasMessageContaining("not set");
        assertThatThrownBy(() -> parse("{\"mcpServers\": {\"bad name\": {\"command\": \"x\"}}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bad name");
        assertThatThrownBy(() -> parse("{\"mcpServers\": {\"a\": {\"type\": \"websocket\", \"url\": \"ws://x\"}}}"))
                .hasMessageContaining("unknown type 'websocket'");
        assertThatThrownBy(() -> parse("{\"mcpServers\": {\"a\": {\"args\": []}}}")).hasMessageContaining("needs a \"command\"");
        assertThatThrownBy(() -> parse("{\"mcpServers\": {\"a\": {\"command\": \"x\", \"cwd\": \"/\"}}}")).hasMessageContaining("unknown field 'cwd'");
        assertThatThrownBy(() -> parse("{\"mcpServers\": {\"a\": {\"type\": \"http\", \"url\": \"file:///etc/passwd\"}}}"))
                .hasMessageContaining("http:// or https://");
        assertThatThrownBy(() -> parse("not json")).hasMessageContaining("not JSON");
    }

    @Test
    void toolNamesAndRulesFollowClaudeCode() {
        assertThat(McpTool.toolName("github", "create_issue")).isEqualTo("mcp__github__create_issue");
        assertThat(McpTool.toolName("s", "a.b/c d")).isEqualTo("mcp__s__a_b_c_d");
        assertThat(McpTool.toolName("s", "x".repeat(100))).hasSize(64);
        String wd = "/workspace";
        assertThat(ToolRule.parse("mcp__github__*").matches("mcp__github__create_issue", Optional.empty(), wd, false)).isTrue();
        assertThat(ToolRule.parse("mcp__github").matches("mcp__github__create_issue", Optional.empty(), wd, false)).isTrue();
        assertThat(ToolRule.parse("mcp__github").matches("mcp__githubx__create_issue", Optional.empty(), wd, false)).isFalse();
        assertThat(ToolRule.parse("mcp__memory__create_entities").matches("mcp__memory__create_entities", Optional.empty(), wd, false)).isTrue();
        assertThat(ToolRule.parse("mcp__memory__create_entities").matches("mcp__memory__delete_entities", Optional.empty(), wd, false)).isFalse();
        assertThat(ToolRule.parse("mcp__github__*").matches("Bash", Optional.empty(), wd, false)).isFalse();
    }

    @Test
    void mcpEventsRoundTripOnTheWire() {
        EventData.McpServerStatus st = new EventData.McpServerStatus("memory", "failed", "stdio", 0, Optional.of("exited with code 1"));
        Event e = Events.fromJson(Events.toJson(Events.of(3, "run_1", st)));
        assertThat(e.type()).isEqualTo("mcp.server");
        assertThat(e.data()).isEqualTo(st);
        assertThat(Events.toTree(Events.of(3, "run_1", st)).path("data").path("error").asText()).isEqualTo("exited with code 1");
        EventData.McpProgress p = new EventData.McpProgress("toolu_1", "everything", "slow", 2, Optional.of(5.0), Optional.empty());
        assertThat(Events.fromJson(Events.toJson(Events.of(4, "run_1", p))).data()).isEqualTo(p);
        // run.started of runs recorded before MCP existed still reads, with no servers
        Event old = Events.fromJson("{\"seq\":1,\"runId\":\"run_1\",\"ts\":\"2026-01-01T00:00:00Z\",\"type\":\"run.started\",\"data\":"
                + "{\"sessionId\":\"ses_1\",\"model\":\"m\",\"prompt\":\"p\",\"tools\":[\"Bash\"],\"permissionMode\":\"default\",\"cwd\":\"/workspace\"}}");
        assertThat(((EventData.RunStarted) old.data()).mcpServers()).isEmpty();
    }
}
