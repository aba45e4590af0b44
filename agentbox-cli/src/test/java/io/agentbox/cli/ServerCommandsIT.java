package io.agentbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentbox.agent.AgentErrorCategory;
import io.agentbox.agent.output.ExitCode;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.Reply;
import io.agentbox.testkit.Responders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code agentbox serve} as a process, and the client-mode commands against it. */
class ServerCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OWNER_KEY = "abk_cli_test_owner_key";
    private static final Pattern LISTENING = Pattern.compile("agentbox serve: listening on (http://[^\\s\"]+)");

    private static Path home;
    private static FakeAnthropic model;
    private static Process server;
    private static String url;
    private static AgentboxProcess owner;

    @BeforeAll
    static void startServer() throws Exception {
        home = Files.createTempDirectory(Path.of("/tmp"), "abx");
        model = FakeAnthropic.start();
        model.respondWith(Responders.perConversation(List.of(Reply.text("ok"))));
        AgentboxProcess agentbox = new AgentboxProcess(home);
        server = agentbox.start(home.resolve("serve.out"), home.resolve("serve.err"), "serve", "--port", "0",
                "--bootstrap-key", OWNER_KEY, "--shutdown-grace", "2s", "--anthropic-base-url", model.baseUrl(), "--anthropic-api-key", "sk-test");
        Instant deadline = Instant.now().plusSeconds(60);
        while (url == null) {
            Matcher m = LISTENING.matcher(Files.readString(home.resolve("serve.err")));
            if (m.find()) url = m.group(1);
            assertThat(server.isAlive()).as("serve is running: " + Files.readString(home.resolve("serve.err"))).isTrue();
            assertThat(Instant.now()).as("serve says where it listens").isBefore(deadline);
            Thread.sleep(50);
        }
        owner = agentbox.withEnv(Map.of("AGENTBOX_SERVER", url, "AGENTBOX_API_KEY", OWNER_KEY));
    }

    @AfterAll
    static void stopServer() throws Exception {
        try {
            if (server != null) {
                server.destroy(); // SIGTERM: a graceful stop
                assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("serve stops on SIGTERM").isTrue();
            }
        } finally {
            if (server != null) server.destroyForcibly();
            model.close();
            var provider = Sandboxes.local(home);
            provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static JsonNode json(AgentboxProcess.Result r) throws IOException {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return JSON.readTree(r.stdout());
    }

    private static void assertOneLineError(AgentboxProcess.Result r, String contains) {
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stderr().lines().toList()).as(r.toString()).hasSize(1);
        assertThat(r.stderr()).startsWith("agentbox: ").contains(contains).doesNotContain("\tat ");
    }

    @Test
    void workspacesAndKeysWithTheOwnerKeyAndANewViewerKey() throws IOException {
        AgentboxProcess.Result list = owner.run("workspaces", "list");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdout().lines().toList().getFirst()).matches("ID +NAME +ROLE +CREATED");
        assertThat(list.stdout()).containsPattern("(?m)^ws_\\S+ +\\S+ +owner ");

        String created = owner.run("workspaces", "create", "team-cli").stdout().strip();
        assertThat(created).startsWith("ws_");
        assertThat(json(owner.run("workspaces", "show", created, "--json")).get("name").asText()).isEqualTo("team-cli");

        JsonNode key = json(owner.run("keys", "create", "--workspace", created, "--name", "reader", "--role", "viewer", "--json"));
        String secret = key.get("key").asText();
        // the flags beat the environment
        AgentboxProcess viewer = new AgentboxProcess(home).withEnv(Map.of("AGENTBOX_API_KEY", "not-this-one"));
        JsonNode seen = json(viewer.run("--server", url, "--api-key", secret, "workspaces", "list", "--json"));
        assertThat(seen.get("data")).hasSize(1);
        assertThat(seen.at("/data/0/id").asText()).isEqualTo(created);
        assertThat(seen.at("/data/0/role").asText()).isEqualTo("viewer");
        assertThat(owner.run("keys", "list", "--workspace", created).stdout()).contains(key.get("id").asText()).contains("reader");

        AgentboxProcess.Result revoked = owner.run("keys", "revoke", "--workspace", created, key.get("id").asText());
        assertThat(revoked.exitCode()).as(revoked.toString()).isZero();
        assertOneLineError(viewer.run("--server", url, "--api-key", secret, "workspaces", "list"), "API key");
    }

    @Test
    void runsCreateListShowAndWatchAgreeOnTheRun() throws IOException {
        String id = owner.run("runs", "create", "say ok").stdout().strip();
        assertThat(id).startsWith("run_");
        AgentboxProcess.Result watch = owner.run("runs", "watch", "--json", id);
        List<JsonNode> events = watch.stdout().lines().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (IOException e) {
                throw new AssertionError(l, e);
            }
        }).toList();
        assertThat(events).isNotEmpty();
        for (int i = 0; i < events.size(); i++) assertThat(events.get(i).get("seq").asLong()).isEqualTo(i + 1);
        String last = events.getLast().get("type").asText();
        assertThat(last).isIn("run.completed", "run.failed", "run.canceled");

        JsonNode run = json(owner.run("runs", "show", id, "--json"));
        assertThat(run.get("id").asText()).isEqualTo(id);
        String status = run.get("status").asText();
        assertThat(Set.of("succeeded", "failed", "canceled")).contains(status);
        int expected = switch (status) {
            case "succeeded" -> 0;
            case "canceled" -> ExitCode.CANCELED.code();
            default -> ExitCode.of(AgentErrorCategory.fromWireName(run.at("/error/category").asText())).code();
        };
        assertThat(watch.exitCode()).as("watch exits with the run's exit code: " + watch).isEqualTo(expected);
        assertThat(owner.run("runs", "list").stdout()).contains(id);
        assertThat(json(owner.run("runs", "list", "--status", status, "--json")).get("data").findValuesAsText("id")).contains(id);
    }

    @Test
    void usagePrintsTheServersReportAsATableOrJson() throws IOException {
        String id = owner.run("runs", "create", "say counted").stdout().strip();
        owner.run("runs", "watch", id);
        JsonNode run = json(owner.run("runs", "show", id, "--json"));
        JsonNode report = json(owner.run("usage", "--group-by", "model", "--json"));
        assertThat(report.get("groupBy").asText()).isEqualTo("model");
        assertThat(report.at("/totals/runs").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(report.at("/totals/tokens/input").asLong()).isGreaterThanOrEqualTo(run.at("/usage/inputTokens").asLong());

        AgentboxProcess.Result table = owner.run("usage", "--group-by", "model");
        assertThat(table.exitCode()).as(table.toString()).isZero();
        List<String> lines = table.stdout().lines().toList();
        assertThat(lines.getFirst()).startsWith("MODEL").contains("RUNS", "TOTAL USD", "P95 MS");
        assertThat(lines.getLast()).startsWith("total").contains(" " + report.at("/totals/runs").asLong() + " ");
        assertThat(lines).hasSize(report.get("data").size() + 2);
        assertOneLineError(owner.run("usage", "--group-by", "week"), "groupBy");
    }

    @Test
    void clientErrorsAreOneLine() {
        assertOneLineError(owner.run("runs", "show", "run_doesnotexist"), "not found");
        assertOneLineError(owner.run("runs", "cancel", "run_doesnotexist"), "not found");
        AgentboxProcess.Result noKey = new AgentboxProcess(home).run("--server", url, "runs", "list");
        assertOneLineError(noKey, "AGENTBOX_API_KEY");
        assertThat(noKey.exitCode()).isEqualTo(2);
        assertOneLineError(new AgentboxProcess(home).run("--server", "http://127.0.0.1:1", "--api-key", "k", "runs", "list"), "127.0.0.1:1");
    }

    @Test
    void serveRejectsBadSettingsBeforeListening() {
        AgentboxProcess agentbox = new AgentboxProcess(home);
        AgentboxProcess.Result port = agentbox.run("serve", "--port", "eighty");
        assertThat(port.exitCode()).as(port.toString()).isEqualTo(2);
        assertThat(port.stderr()).startsWith("agentbox: ").contains("port");
        AgentboxProcess.Result unknown = agentbox.run("serve", "--colour", "blue");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("--colour");
        // --pool is repeatable: both values reach the setting, which refuses the same template twice
        AgentboxProcess.Result pools = agentbox.run("serve", "--pool", "host=1", "--pool", "host=2");
        assertThat(pools.exitCode()).as(pools.toString()).isEqualTo(2);
        assertThat(pools.stderr()).startsWith("agentbox: ").contains("--pool").contains("pool host is given twice");
        assertThat(pools.stderr().strip().lines()).hasSize(1);
    }
}
