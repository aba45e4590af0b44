package io.agentbox.cli;

import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code agentbox --provider e2b sandbox …} against {@code agentbox serve}'s E2B API, both as real processes. */
class E2bProviderIT {
    private static final Pattern E2B = Pattern.compile("E2B-compatible API on (http://[^\\s\"]+)");
    private static final String KEY = "e2b-it-" + UUID.randomUUID();
    private static Path home;
    private static Process server;
    private static AgentboxProcess e2b;

    @BeforeAll
    static void startServer() throws Exception {
        home = Files.createTempDirectory(Path.of("/tmp"), "abx");
        AgentboxProcess agentbox = new AgentboxProcess(home);
        server = agentbox.start(home.resolve("serve.out"), home.resolve("serve.err"), "serve", "--port", "0",
                "--bootstrap-key", KEY, "--shutdown-grace", "2s");
        String url = null;
        Instant deadline = Instant.now().plusSeconds(60);
        while (url == null) {
            Matcher m = E2B.matcher(Files.readString(home.resolve("serve.err")));
            if (m.find()) url = m.group(1);
            assertThat(server.isAlive()).as("serve is running: " + Files.readString(home.resolve("serve.err"))).isTrue();
            assertThat(Instant.now()).as("serve says where its E2B API listens").isBefore(deadline);
            Thread.sleep(50);
        }
        // a user moving from E2B cloud: three variables
        e2b = new AgentboxProcess(home.resolve("client")).withEnv(Map.of("E2B_API_KEY", KEY, "E2B_API_URL", url, "E2B_SANDBOX_URL", url));
    }

    @AfterAll
    static void stopServer() throws Exception {
        try {
            if (server != null) {
                server.destroy();
                server.waitFor(60, TimeUnit.SECONDS);
            }
        } finally {
            if (server != null) server.destroyForcibly();
            var local = Sandboxes.local(home);
            local.list(SandboxQuery.ALL).forEach(i -> local.kill(i.id()));
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void sandboxCommandsRunThroughTheE2bProvider() {
        AgentboxProcess.Result created = e2b.run("--provider", "e2b", "sandbox", "create", "--metadata", "via=e2b");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        String id = created.stdout().strip();
        assertThat(id).matches("sbx_[a-z0-9]{20}");

        AgentboxProcess.Result exec = e2b.run("--provider", "e2b", "sandbox", "exec", id, "--", "sh", "-c", "echo from e2b; exit 3");
        assertThat(exec.exitCode()).isEqualTo(3);
        assertThat(exec.stdout()).isEqualTo("from e2b\n");

        AgentboxProcess.Result ls = e2b.run("--provider", "e2b", "sandbox", "ls", "--metadata", "via=e2b");
        assertThat(ls.stdout()).contains(id);

        // the sandbox is a real local sandbox of the server
        assertThat(Sandboxes.local(home).list(SandboxQuery.ALL)).extracting(i -> i.id()).contains(id);

        assertThat(e2b.run("--provider", "e2b", "sandbox", "kill", id).exitCode()).isZero();
        assertThat(Sandboxes.local(home).list(SandboxQuery.ALL)).extracting(i -> i.id()).doesNotContain(id);
    }

    @Test
    void missingKeyAndUnknownProviderAreUsageErrors() {
        AgentboxProcess.Result noKey = new AgentboxProcess(home.resolve("client")).withEnv(Map.of("E2B_API_KEY", ""))
                .run("--provider", "e2b", "sandbox", "ls");
        assertThat(noKey.exitCode()).isNotZero();
        assertThat(noKey.stderr()).contains("E2B_API_KEY");
        AgentboxProcess.Result bad = e2b.run("--provider", "cloud", "sandbox", "ls");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).contains("--provider must be local or e2b");
    }
    @Test
    void anAgentRunsItsToolsInASandboxOfTheE2bProvider() throws Exception {
        try (FakeAnthropic model = FakeAnthropic.start()) {
            model.enqueue(Reply.toolUse("Bash", Map.of("command", "echo made-by-$((6*7)) > out.txt; cat out.txt; pwd")),
                    Reply.text("Done."));
            AgentboxProcess.Result r = e2b.withEnv(Map.of("ANTHROPIC_API_KEY", "sk-test-key", "ANTHROPIC_BASE_URL", model.baseUrl()))
                    .run("--provider", "e2b", "run", "--output-format", "json", "make a file");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).contains("\"result\":\"Done.\"");
            String toolOutput = model.messageRequests().get(1).lastToolResult().orElseThrow().content();
            assertThat(toolOutput).contains("made-by-42").contains("/workspace");
            // the run's sandbox was one of the server's local sandboxes, and the run killed it at its end
            assertThat(Sandboxes.local(home).list(SandboxQuery.ALL)).isEmpty();
        }
    }
}
