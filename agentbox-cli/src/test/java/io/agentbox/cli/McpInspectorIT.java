package io.agentbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official MCP Inspector (CLI mode, pinned in test-deps/mcp-inspector) drives {@code agentbox mcp} over stdio,
 * as Claude Desktop or Claude Code would, and {@code POST /mcp} of {@code agentbox serve} over Streamable HTTP:
 * it lists the tools and creates, uses and kills a sandbox with them.
 */
class McpInspectorIT {
    private static final Path INSPECTOR = AgentboxProcess.REPO.resolve("test-deps/mcp-inspector/node_modules/.bin/mcp-inspector");
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path home;

    @BeforeEach
    void home() throws IOException {
        assertThat(INSPECTOR).as("the pinned Inspector is installed (setup.sh --deps-only)").isExecutable();
        home = Files.createTempDirectory(Path.of("/tmp"), "abxi");
    }

    @AfterEach
    void cleanUp() throws IOException {
        var local = Sandboxes.local(home);
        local.list(SandboxQuery.ALL).forEach(i -> local.kill(i.id()));
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void theInspectorListsAndCallsAgentboxToolsOverStdio() throws Exception {
        JsonNode tools = inspect("--method", "tools/list").path("tools");
        List<String> names = new ArrayList<>();
        tools.forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).containsExactlyInAnyOrder("sandbox_create", "sandbox_exec", "sandbox_read_file", "sandbox_write_file",
                "sandbox_list", "sandbox_kill", "run_start", "run_status", "run_events", "run_cancel");
        tools.forEach(t -> assertThat(t.path("inputSchema").path("type").asText()).as(t.path("name").asText()).isEqualTo("object"));

        JsonNode created = call("sandbox_create", "timeout=2m");
        assertThat(created.path("isError").asBoolean()).as(created.toString()).isFalse();
        String id = JSON.readTree(text(created)).path("id").asText();
        assertThat(id).matches("sbx_[a-z0-9]{20}");
        // the sandbox outlives the agentbox mcp process that made it: the next call is another process
        assertThat(Sandboxes.local(home).list(SandboxQuery.ALL)).extracting(i -> i.id()).containsExactly(id);

        JsonNode wrote = call("sandbox_write_file", "sandboxId=" + id, "path=/workspace/note.txt", "content=from the inspector");
        assertThat(wrote.path("isError").asBoolean()).as(wrote.toString()).isFalse();
        JsonNode exec = call("sandbox_exec", "sandboxId=" + id, "command=cat note.txt; id -u");
        assertThat(exec.path("isError").asBoolean()).as(exec.toString()).isFalse();
        assertThat(text(exec)).contains("from the inspector").contains("1000");

        JsonNode bad = call("sandbox_exec", "sandboxId=sbx_doesnotexist0000000", "command=true");
        assertThat(bad.path("isError").asBoolean()).as("an unknown sandbox is an error result, not a crash").isTrue();

        JsonNode killed = call("sandbox_kill", "sandboxId=" + id);
        assertThat(killed.path("isError").asBoolean()).as(killed.toString()).isFalse();
        assertThat(Sandboxes.local(home).list(SandboxQuery.ALL)).isEmpty();
    }

    @Test
    void theInspectorUsesTheServersMcpEndpointWithTheCallersKey() throws Exception {
        String key = "mcp-it-" + UUID.randomUUID();
        Process server = new AgentboxProcess(home).start(home.resolve("serve.out"), home.resolve("serve.err"),
                "serve", "--port", "0", "--bootstrap-key", key, "--shutdown-grace", "2s");
        try {
            Pattern listening = Pattern.compile("agentbox serve: listening on (http://[^\\s\"]+)");
            String url = null;
            Instant deadline = Instant.now().plusSeconds(90);
            while (url == null) {
                Matcher m = listening.matcher(Files.readString(home.resolve("serve.err")));
                if (m.find()) url = m.group(1);
                assertThat(server.isAlive()).as("serve is running: " + Files.readString(home.resolve("serve.err"))).isTrue();
                assertThat(Instant.now()).as("serve says where it listens").isBefore(deadline);
                Thread.sleep(50);
            }
            String endpoint = url.replaceAll("/+$", "") + "/mcp";
            List<String> http = List.of("--cli", endpoint, "--transport", "http", "--header", "Authorization: Bearer " + key);

            JsonNode tools = run(http, "--method", "tools/list").path("tools");
            assertThat(tools.size()).isEqualTo(10);
            JsonNode created = run(http, "--method", "tools/call", "--tool-name", "sandbox_create", "--tool-arg", "timeout=2m");
            assertThat(created.path("isError").asBoolean()).as(created.toString()).isFalse();
            String id = JSON.readTree(text(created)).path("id").asText();
            JsonNode exec = run(http, "--method", "tools/call", "--tool-name", "sandbox_exec", "--tool-arg", "sandboxId=" + id,
                    "--tool-arg", "command=echo over http");
            assertThat(text(exec)).contains("over http");
            assertThat(run(http, "--method", "tools/call", "--tool-name", "sandbox_kill", "--tool-arg", "sandboxId=" + id)
                    .path("isError").asBoolean()).isFalse();

            // without the key the endpoint refuses to talk at all
            Process refused = new ProcessBuilder(INSPECTOR.toString(), "--cli", endpoint, "--transport", "http", "--method", "tools/list")
                    .redirectErrorStream(true).start();
            refused.getInputStream().readAllBytes();
            assertThat(refused.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(refused.exitValue()).isNotZero();
        } finally {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) server.destroyForcibly();
        }
    }

    private JsonNode call(String tool, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("--method", "tools/call", "--tool-name", tool));
        for (String arg : args) {
            a.add("--tool-arg");
            a.add(arg);
        }
        return inspect(a.toArray(String[]::new));
    }

    private static String text(JsonNode result) {
        return result.path("content").path(0).path("text").asText();
    }

    /** Runs the Inspector against {@code agentbox mcp} and returns the JSON it prints. */
    private JsonNode inspect(String... args) throws Exception {
        return run(List.of("--cli", "-e", "AGENTBOX_HOME=" + home, JAVA, "-jar", AgentboxProcess.JAR.toString(), "mcp"), args);
    }

    private JsonNode run(List<String> target, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(INSPECTOR.toString()));
        command.addAll(target);
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
        pb.environment().keySet().removeIf(k -> k.startsWith("ANTHROPIC_"));
        Path err = Files.createTempFile(home, "inspector", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) p.destroyForcibly();
        String stdout = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("inspector %s\nstdout:\n%s\nstderr:\n%s", List.of(args), stdout, Files.readString(err)).isZero();
        return JSON.readTree(stdout.substring(stdout.indexOf('{')));
    }
}
