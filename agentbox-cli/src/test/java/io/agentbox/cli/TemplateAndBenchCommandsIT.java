package io.agentbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code template} and {@code bench} through the packaged CLI (template builds themselves are tested in agentbox-sandbox). */
class TemplateAndBenchCommandsIT {
    private static Path home;
    private static AgentboxProcess agentbox;

    @BeforeAll
    static void setUp() throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "abx");
        agentbox = new AgentboxProcess(home);
    }

    @AfterAll
    static void tearDown() throws IOException {
        var provider = Sandboxes.local(home);
        try {
            assertThat(provider.list(SandboxQuery.ALL)).as("the benchmark leaves no sandbox behind").isEmpty();
        } finally {
            provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void templateLsShowsTheBuiltInHostTemplate() throws IOException {
        AgentboxProcess.Result human = agentbox.run("template", "ls");
        assertThat(human.exitCode()).as(human.toString()).isZero();
        assertThat(human.stdout().lines().toList()).first().asString().matches("NAME +KIND +SIZE +BUILT");
        assertThat(human.stdout()).containsPattern("(?m)^host +host ");

        AgentboxProcess.Result json = agentbox.run("template", "ls", "--json");
        JsonNode list = new ObjectMapper().readTree(json.stdout());
        assertThat(list.get(0).get("name").asText()).isEqualTo("host");
        assertThat(list.get(0).get("builtIn").asBoolean()).isTrue();
    }

    @Test
    void templateErrorsAreOneLine(@TempDir Path tmp) throws IOException {
        Path spec = tmp.resolve("bad.toml");
        Files.writeString(spec, "name = \"t1\"\ncolour = \"blue\"\n");
        assertOneLine(agentbox.run("template", "build", spec.toString()), "unknown key 'colour'");
        assertOneLine(agentbox.run("template", "build", tmp.resolve("missing.toml").toString()), "no such spec file");
        assertOneLine(agentbox.run("template", "rm", "host"), "cannot be removed");
        assertOneLine(agentbox.run("template", "rm", "never-built"), "no template named 'never-built'");
        assertOneLine(agentbox.run("sandbox", "create", "--template", "never-built"), "never-built");
    }

    @Test
    void benchSandboxJsonHasTheDocumentedShape() throws IOException {
        AgentboxProcess.Result r = agentbox.run("bench", "sandbox", "--quick", "--json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stderr()).contains("bench: ");
        JsonNode b = new ObjectMapper().readTree(r.stdout());
        JsonNode seq = b.at("/createExecKill/sequential");
        assertThat(seq.get("p50Ms").asDouble()).isPositive();
        assertThat(seq.get("p99Ms").asDouble()).isGreaterThanOrEqualTo(seq.get("p50Ms").asDouble());
        assertThat(seq.get("n").asInt()).isPositive();
        assertThat(b.at("/createExecKill/concurrent/concurrency").asInt()).isPositive();
        assertThat(b.at("/execRoundTrip/p50Ms").asDouble()).isPositive();
        assertThat(b.at("/baseline/bwrapTrueP50Ms").asDouble()).isPositive();
        assertThat(b.at("/baseline/processBuilderTrueP50Ms").asDouble()).isPositive();
        assertThat(b.at("/idle/sandboxesHeld").asInt()).isPositive();
        assertThat(b.at("/idle/memoryPerSandboxMb").isNumber()).isTrue();
    }

    private static void assertOneLine(AgentboxProcess.Result r, String contains) {
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stderr().lines().toList()).as(r.toString()).hasSize(1);
        assertThat(r.stderr()).startsWith("agentbox: ").contains(contains).doesNotContain("\tat ");
    }
}
