package io.agentbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.sandbox.TestInternet;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The network options and commands end to end, each step its own agentbox process, against the test internet. */
class NetworkCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "sk-real-" + Long.toHexString(System.nanoTime()) + "-value";
    private static TestInternet internet;
    private static Path home;
    private static AgentboxProcess agentbox;
    private static SandboxProvider provider;

    @BeforeAll
    static void setUp() throws IOException {
        internet = new TestInternet().start();
        home = Files.createTempDirectory(Path.of("/tmp"), "abx");
        agentbox = new AgentboxProcess(home).withEnv(Map.of("AGENTBOX_EGRESS_HOSTS", internet.hostsFile().toString(),
                "AGENTBOX_EGRESS_CA_FILE", internet.caFile().toString(), "TEST_API_KEY", SECRET));
        provider = Sandboxes.local(home);
    }

    @AfterEach
    void killSandboxes() {
        provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
    }

    @AfterAll
    static void tearDown() throws IOException {
        try {
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        } finally {
            internet.close();
        }
    }

    private static AgentboxProcess.Result ok(String... args) {
        AgentboxProcess.Result r = agentbox.run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    private static String exec(String id, String script) {
        return agentbox.run("sandbox", "exec", id, "--", "sh", "-c", script + " 2>&1").stdout();
    }

    @Test
    void allowNetworkAndAuditCommands() throws IOException {
        JsonNode created = JSON.readTree(ok("sandbox", "create", "--allow", "www.test", "--allow", "*.www.test", "--deny", "deny.sub.www.test", "--json").stdout());
        String id = created.get("id").asText();
        assertThat(created.get("network").asText()).isEqualTo("allow");
        assertThat(exec(id, "curl -sS --max-time 10 http://www.test/")).contains("host www.test");
        assertThat(exec(id, "curl -sS --max-time 10 --noproxy '*' http://sub.www.test/")).contains("host sub.www.test");
        assertThat(exec(id, "curl -fsS --max-time 10 --noproxy '*' http://other.test/")).doesNotContain("hello");
        assertThat(exec(id, "curl -fsS --max-time 10 --noproxy '*' http://deny.sub.www.test/")).doesNotContain("hello");

        List<JsonNode> lines = auditLines(id);
        assertThat(lines).isNotEmpty().allSatisfy(l -> {
            assertThat(l.fieldNames()).toIterable().containsExactlyInAnyOrder("ts", "kind", "host", "ip", "port", "protocol", "decision", "reason");
            assertThat(l.get("kind").asText()).isEqualTo("network");
            assertThat(l.get("decision").asText()).isEqualTo("denied");
        });
        assertThat(lines).anySatisfy(l -> {
            assertThat(l.get("host").asText()).isEqualTo("other.test");
            assertThat(l.get("reason").asText()).isEqualTo("not in the allow list");
        });
        assertThat(lines).anySatisfy(l -> {
            assertThat(l.get("host").asText()).isEqualTo("deny.sub.www.test");
            assertThat(l.get("reason").asText()).isEqualTo("in the deny list");
        });
        assertThat(ok("sandbox", "audit", id).stdout()).contains("denied", "other.test");

        ok("sandbox", "network", id, "--open");
        assertThat(exec(id, "curl -sS --max-time 10 --noproxy '*' http://other.test/")).contains("host other.test");
        ok("sandbox", "network", id, "--allow", "other.test");
        assertThat(exec(id, "curl -fsS --max-time 10 --noproxy '*' http://www.test/")).doesNotContain("hello");
        assertThat(exec(id, "curl -sS --max-time 10 --noproxy '*' http://other.test/")).contains("host other.test");
        ok("sandbox", "network", id, "--none");
        assertThat(exec(id, "curl -fsS --max-time 10 --noproxy '*' http://other.test/")).doesNotContain("hello");
        assertThat(JSON.readTree(ok("sandbox", "info", id, "--json").stdout()).get("network").asText()).isEqualTo("none");
    }

    @Test
    void openNetworkAndBadFlags() {
        String id = ok("sandbox", "create", "--network", "open").stdout().trim();
        assertThat(exec(id, "curl -sS --max-time 10 http://api.test/")).contains("host api.test");
        assertThat(agentbox.run("sandbox", "create", "--network", "wide").exitCode()).isNotZero();
        assertThat(agentbox.run("sandbox", "create", "--network", "open", "--allow", "a.test").exitCode()).isNotZero();
        assertThat(agentbox.run("sandbox", "create", "--secret", "nonsense").exitCode()).isNotZero();
        assertThat(agentbox.run("sandbox", "network", id).exitCode()).isNotZero();
    }

    @Test
    void createWithASecretInjectsItAtTheEgressOnly() throws IOException {
        JsonNode created = JSON.readTree(ok("sandbox", "create", "--allow", "secret.test", "--allow", "www.test",
                "--secret", "secret.test:X-Api-Key=TEST_API_KEY", "--json").stdout());
        String id = created.get("id").asText();
        assertThat(created.toString()).doesNotContain(SECRET);
        assertThat(exec(id, "curl -sS --max-time 10 https://secret.test/headers")).contains("X-Api-Key: " + SECRET);
        assertThat(exec(id, "curl -sS --max-time 10 --noproxy '*' http://secret.test/headers")).contains("X-Api-Key: " + SECRET);
        assertThat(exec(id, "curl -sS --max-time 10 http://www.test/headers")).contains("Host: www.test").doesNotContain(SECRET);
        assertThat(exec(id, "echo \"$TEST_API_KEY\"; cat /proc/*/environ")).contains("agentbox-secret-placeholder").doesNotContain(SECRET);
        assertThat(ok("sandbox", "info", id, "--json").stdout()).doesNotContain(SECRET);
        try (Stream<Path> files = Files.walk(home)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(SECRET);
            }
        }
        // a variable that is not set: a one-line error, and no sandbox
        int before = provider.list(SandboxQuery.ALL).size();
        AgentboxProcess.Result bad = agentbox.run("sandbox", "create", "--network", "open", "--secret", "secret.test:X-Api-Key=AGENTBOX_NOT_SET_ANYWHERE");
        assertThat(bad.exitCode()).as("a usage error").isEqualTo(2);
        assertThat(bad.stderr().strip()).contains("AGENTBOX_NOT_SET_ANYWHERE").doesNotContain("\n").doesNotContain("Exception");
        assertThat(provider.list(SandboxQuery.ALL)).hasSize(before);
    }

    @Test
    void runWithASecretGivesTheAgentsRequestsTheHeaderAndTheAgentOnlyThePlaceholder() throws Exception {
        try (FakeAnthropic model = FakeAnthropic.start()) {
            // the agent proves it got the header by its digest: the secret itself never travels back to the model
            String script = "for u in http://secret.test/headers https://secret.test/headers; do"
                    + " curl -sS --max-time 10 $u | grep -i '^x-api-key:' | sha256sum | cut -c1-64; done;"
                    + " curl -sS --max-time 10 http://www.test/headers | grep -ci '^x-api-key:'; echo \"env=$TEST_API_KEY\"";
            model.enqueue(Reply.toolUse("Bash", Map.of("command", script)), Reply.text("checked"));
            AgentboxProcess withModel = agentbox.withEnv(Map.of("ANTHROPIC_API_KEY", "sk-test-key", "ANTHROPIC_BASE_URL", model.baseUrl()));
            AgentboxProcess.Result r = withModel.run("run", "--allow", "secret.test", "--allow", "www.test",
                    "--secret", "secret.test:X-Api-Key=TEST_API_KEY", "--output-format", "stream-json", "check the header");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            String digest = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(("X-Api-Key: " + SECRET + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            String result = model.messageRequests().get(1).lastToolResult().orElseThrow().content();
            assertThat(result).isEqualTo(digest + "\n" + digest + "\n0\nenv=agentbox-secret-placeholder");
            assertThat(r.stdout() + r.stderr()).doesNotContain(SECRET);
            assertThat(model.messageRequests().toString()).doesNotContain(SECRET);
            assertThat(provider.list(SandboxQuery.ALL)).as("the run's sandbox is gone").isEmpty();

            // the flag's errors are the sandbox command's: one line, exit 2, nothing started or created
            AgentboxProcess.Result unset = withModel.run("run", "--network", "open", "--secret", "secret.test:X-Api-Key=AGENTBOX_NOT_SET_ANYWHERE", "go");
            assertThat(unset.exitCode()).as(unset.toString()).isEqualTo(2);
            assertThat(unset.stderr().strip()).contains("AGENTBOX_NOT_SET_ANYWHERE").doesNotContain("\n").doesNotContain("Exception");
            AgentboxProcess.Result noNetwork = withModel.run("run", "--secret", "secret.test:X-Api-Key=TEST_API_KEY", "go");
            assertThat(noNetwork.exitCode()).as(noNetwork.toString()).isEqualTo(2);
            assertThat(noNetwork.stderr()).contains("--secret needs a network");
            AgentboxProcess.Result malformed = withModel.run("run", "--network", "open", "--secret", "nonsense", "go");
            assertThat(malformed.exitCode()).as(malformed.toString()).isEqualTo(2);
            assertThat(model.messageRequests()).as("no run reached the model").hasSize(2);
            assertThat(provider.list(SandboxQuery.ALL)).isEmpty();
        }
    }

    private static List<JsonNode> auditLines(String id) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : ok("sandbox", "audit", id, "--json").stdout().split("\n")) {
            if (!line.isBlank()) out.add(JSON.readTree(line));
        }
        return out;
    }
}
