package io.agentbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The sandbox commands end to end: every step is a separate agentbox process against real
 * sandboxes, as when a user types them in different shells.
 */
class SandboxCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path home;
    private static AgentboxProcess agentbox;
    private static SandboxProvider provider;

    @BeforeAll
    static void setUp() throws IOException {
        // short: the data dir holds unix sockets, whose paths are limited to ~100 bytes
        home = Files.createTempDirectory(Path.of("/tmp"), "abx");
        agentbox = new AgentboxProcess(home);
        provider = Sandboxes.local(home);
    }

    @AfterEach
    void killSandboxes() {
        provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
    }

    @AfterAll
    static void tearDown() throws IOException {
        try {
            assertThat(provider.list(SandboxQuery.ALL)).isEmpty();
        } finally {
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private String create(String... extra) {
        String[] args = Stream.concat(Stream.of("sandbox", "create"), Stream.of(extra)).toArray(String[]::new);
        AgentboxProcess.Result r = agentbox.run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.stdout().strip();
    }

    private static JsonNode json(AgentboxProcess.Result r) throws IOException {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return JSON.readTree(r.stdout());
    }

    private static void assertOneLineError(AgentboxProcess.Result r, String contains) {
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr().lines().toList()).as(r.toString()).hasSize(1);
        assertThat(r.stderr()).startsWith("agentbox: ").contains(contains).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void createJsonThenUseTheSandboxFromOtherProcesses() throws IOException {
        Instant before = Instant.now();
        JsonNode created = json(agentbox.run("sandbox", "create", "--json", "--timeout", "2m", "--memory", "256m", "--cpus", "1",
                "--pids", "128", "--disk", "1g", "--network", "none", "--env", "GREETING=hi there", "--metadata", "owner=cli-test"));
        String id = created.get("id").asText();
        assertThat(id).startsWith("sbx_");
        assertThat(created.get("template").asText()).isEqualTo("host");
        assertThat(Duration.between(before, Instant.parse(created.get("expiresAt").asText())).toSeconds()).isCloseTo(120, within(10L));
        assertThat(Instant.parse(created.get("createdAt").asText())).isBetween(before.minusSeconds(5), Instant.now());
        assertThat(created.get("metadata").get("owner").asText()).isEqualTo("cli-test");
        assertThat(created.get("resources").get("memoryMb").asLong()).isEqualTo(256);
        assertThat(created.get("resources").get("pids").asInt()).isEqualTo(128);
        assertThat(created.get("resources").get("diskMb").asLong()).isEqualTo(1024);
        assertThat(created.get("resources").get("cpus").asDouble()).isEqualTo(1.0);
        assertThat(created.get("network").asText()).isEqualTo("none");
        assertThat(created.get("workdir").asText()).isEqualTo("/workspace");

        AgentboxProcess.Result exec = agentbox.run("sandbox", "exec", id, "--", "bash", "-c", "echo \"$GREETING\"; echo oops >&2; exit 3");
        assertThat(exec.exitCode()).as(exec.toString()).isEqualTo(3);
        assertThat(exec.stdout()).isEqualTo("hi there\n");
        assertThat(exec.stderr()).isEqualTo("oops\n");

        // files written by one process are seen by the next
        assertThat(agentbox.run("sandbox", "exec", id, "--", "bash", "-c", "echo kept > note.txt").exitCode()).isZero();
        assertThat(agentbox.run("sandbox", "exec", id, "--", "cat", "/workspace/note.txt").stdout()).isEqualTo("kept\n");

        JsonNode listed = json(agentbox.run("sandbox", "ls", "--json", "--metadata", "owner=cli-test"));
        assertThat(listed.isArray()).isTrue();
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0)).isEqualTo(created);
        assertThat(json(agentbox.run("sandbox", "ls", "--json", "--metadata", "owner=someone-else"))).isEmpty();
        assertThat(json(agentbox.run("sandbox", "info", id, "--json"))).isEqualTo(created);

        AgentboxProcess.Result extended = agentbox.run("sandbox", "set-timeout", id, "10m");
        assertThat(extended.exitCode()).as(extended.toString()).isZero();
        Instant expires = Instant.parse(json(agentbox.run("sandbox", "info", id, "--json")).get("expiresAt").asText());
        assertThat(Duration.between(Instant.now(), expires).toSeconds()).isCloseTo(600, within(10L));

        AgentboxProcess.Result killed = agentbox.run("sandbox", "kill", id);
        assertThat(killed.exitCode()).as(killed.toString()).isZero();
        assertThat(provider.list(SandboxQuery.ALL)).extracting(SandboxInfo::id).doesNotContain(id);
        assertOneLineError(agentbox.run("sandbox", "info", id), "not found");
        assertOneLineError(agentbox.run("sandbox", "kill", id), "not found");
    }

    @Test
    void humanOutputOfLsAndInfo() {
        String id = create("--metadata", "team=a", "--timeout", "5m");
        AgentboxProcess.Result ls = agentbox.run("sandbox", "ls");
        assertThat(ls.exitCode()).as(ls.toString()).isZero();
        List<String> lines = ls.stdout().lines().toList();
        assertThat(lines.get(0)).matches("ID +TEMPLATE +EXPIRES +NETWORK +METADATA");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith(id).contains("host").containsPattern("in 4m5\\ds|in 5m").contains("team=a"));

        AgentboxProcess.Result info = agentbox.run("sandbox", "info", id);
        assertThat(info.exitCode()).as(info.toString()).isZero();
        assertThat(info.stdout()).containsPattern("id +" + id).containsPattern("expires +\\S+Z \\((in 4m5\\ds|in 5m)")
                .contains("team=a").contains("network    none");
    }

    @Test
    void execPassesExitCodesSignalsAndLimitReasons() {
        String id = create();
        AgentboxProcess.Result timeout = agentbox.run("sandbox", "exec", "--timeout", "2s", id, "--", "sleep", "30");
        assertThat(timeout.exitCode()).as(timeout.toString()).isEqualTo(124);
        assertThat(timeout.stderr()).isEqualTo("killed: timeout after 2s\n");

        AgentboxProcess.Result signaled = agentbox.run("sandbox", "exec", id, "--", "bash", "-c", "kill -TERM $$");
        assertThat(signaled.exitCode()).as(signaled.toString()).isEqualTo(128 + 15);

        // without `--` too: everything after the id is the command, options included
        AgentboxProcess.Result noDashes = agentbox.run("sandbox", "exec", id, "ls", "-a", "/workspace");
        assertThat(noDashes.exitCode()).as(noDashes.toString()).isZero();
        assertThat(noDashes.stdout()).contains("..");
    }

    @Test
    void execOutOfMemoryExitsWith137() {
        String id = create("--memory", "64m");
        AgentboxProcess.Result oom = agentbox.run("sandbox", "exec", id, "--", "python3", "-c", "x = bytearray(512 * 1024 * 1024)");
        assertThat(oom.exitCode()).as(oom.toString()).isEqualTo(137);
        assertThat(oom.stderr()).startsWith("killed: out of memory");
    }

    @Test
    void execForwardsPipedStdinAndPassesOutputThroughByteForByte() throws IOException {
        String id = create();
        AgentboxProcess.Result counted = agentbox.run("line one\nline two\nline three\n".getBytes(StandardCharsets.UTF_8),
                "sandbox", "exec", id, "--", "wc", "-l");
        assertThat(counted.exitCode()).as(counted.toString()).isZero();
        assertThat(counted.stdout().strip()).isEqualTo("3");

        byte[] blob = new byte[300_000];
        new Random(7).nextBytes(blob);
        AgentboxProcess.Result echoed = agentbox.run(blob, "sandbox", "exec", id, "--", "cat");
        assertThat(echoed.exitCode()).as(echoed.toString()).isZero();
        assertThat(echoed.stdoutBytes()).isEqualTo(blob);
    }

    @Test
    void execOptionsSetEnvironmentDirectoryAndUser() {
        String id = create();
        AgentboxProcess.Result r = agentbox.run("sandbox", "exec", "--env", "COLOR=blue", "--cwd", "/tmp", "--user", "root", id,
                "--", "bash", "-c", "echo $COLOR $(pwd) $(id -u)");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("blue /tmp 0\n");
        assertThat(agentbox.run("sandbox", "exec", id, "--", "id", "-u").stdout()).isEqualTo("1000\n");
    }

    @Test
    void startedProcessKeepsRunningUntilKilled() {
        String id = create();
        AgentboxProcess.Result started = agentbox.run("sandbox", "start", id, "--", "sleep", "300");
        assertThat(started.exitCode()).as(started.toString()).isZero();
        String pid = started.stdout().strip();
        assertThat(pid).matches("\\d+");

        AgentboxProcess.Result ps = agentbox.run("sandbox", "ps", id);
        assertThat(ps.exitCode()).as(ps.toString()).isZero();
        assertThat(ps.stdout().lines().toList().get(0)).matches("PID +STATUS +STARTED +USER +COMMAND");
        assertThat(ps.stdout()).containsPattern("(?m)^" + pid + " +running .*sleep 300$");

        AgentboxProcess.Result kill = agentbox.run("sandbox", "kill-process", id, pid);
        assertThat(kill.exitCode()).as(kill.toString()).isZero();
        Pattern running = Pattern.compile("(?m)^" + pid + " +running ");
        Instant deadline = Instant.now().plusSeconds(10);
        while (running.matcher(agentbox.run("sandbox", "ps", id).stdout()).find()) {
            assertThat(Instant.now()).as("process still running after kill-process").isBefore(deadline);
        }
        assertOneLineError(agentbox.run("sandbox", "kill-process", id, "99999"), "no running process 99999");
    }

    @Test
    void cpCopiesFilesAndDirectoriesBothWays(@TempDir Path tmp) throws IOException {
        String id = create();
        Path project = tmp.resolve("project");
        Files.createDirectories(project.resolve("src/util"));
        Files.writeString(project.resolve("README"), "read me\n");
        Files.writeString(project.resolve("src/util/a.txt"), "alpha\n");
        Path single = tmp.resolve("single.bin");
        byte[] bytes = new byte[50_000];
        new Random(3).nextBytes(bytes);
        Files.write(single, bytes);

        assertThat(agentbox.run("sandbox", "cp", project.toString(), id + ":/workspace").exitCode()).isZero();
        assertThat(agentbox.run("sandbox", "cp", single.toString(), id + ":/workspace/copy.bin").exitCode()).isZero();
        AgentboxProcess.Result listing = agentbox.run("sandbox", "exec", id, "--", "bash", "-c",
                "cat /workspace/project/README /workspace/project/src/util/a.txt; wc -c < /workspace/copy.bin");
        assertThat(listing.stdout()).isEqualTo("read me\nalpha\n50000\n");

        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        assertThat(agentbox.run("sandbox", "cp", id + ":/workspace/project", out.toString()).exitCode()).isZero();
        assertThat(Files.readString(out.resolve("project/src/util/a.txt"))).isEqualTo("alpha\n");
        assertThat(Files.readString(out.resolve("project/README"))).isEqualTo("read me\n");
        assertThat(agentbox.run("sandbox", "cp", id + ":copy.bin", out.resolve("back.bin").toString()).exitCode()).isZero();
        assertThat(Files.readAllBytes(out.resolve("back.bin"))).isEqualTo(bytes);

        assertOneLineError(agentbox.run("sandbox", "cp", single.toString(), out.toString()), "exactly one of SRC and DST");
        assertOneLineError(agentbox.run("sandbox", "cp", tmp.resolve("missing").toString(), id + ":/workspace"), "no such file");
    }

    @Test
    void badUsageAndUnknownIdsGiveOneLineAndNonZeroExit() {
        AgentboxProcess.Result unknownOption = agentbox.run("sandbox", "create", "--bogus");
        assertOneLineError(unknownOption, "--bogus");
        assertThat(unknownOption.exitCode()).isEqualTo(2);
        AgentboxProcess.Result badSize = agentbox.run("sandbox", "create", "--memory", "lots");
        assertOneLineError(badSize, "invalid size 'lots'");
        assertThat(badSize.exitCode()).isEqualTo(2);
        AgentboxProcess.Result tooSmall = agentbox.run("sandbox", "create", "--memory", "1m");
        assertOneLineError(tooSmall, "memory");
        assertThat(tooSmall.exitCode()).isEqualTo(2);
        assertOneLineError(agentbox.run("sandbox", "create", "--network", "sometimes"), "network");
        assertOneLineError(agentbox.run("sandbox", "exec", "sbx_doesnotexist00000", "--", "true"), "not found");
        assertOneLineError(agentbox.run("sandbox", "info", "sbx_doesnotexist00000"), "not found");
        assertOneLineError(agentbox.run("sandbox", "exec"), "Missing required parameter");
        assertThat(provider.list(SandboxQuery.ALL)).as("failed creates leave nothing").isEmpty();

        AgentboxProcess.Result debug = agentbox.run("--debug", "sandbox", "info", "sbx_doesnotexist00000");
        assertThat(debug.exitCode()).isNotZero();
        assertThat(debug.stderr()).contains("\tat ").endsWith("not found: sbx_doesnotexist00000 (it was killed, expired, or never existed)\n");
    }

    @Test
    void versionThroughTheLauncherFromAnotherDirectoryAndASymlink(@TempDir Path tmp) throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("agentbox"), AgentboxProcess.REPO.resolve("bin/agentbox"));
        AgentboxProcess.Result r = agentbox.run(List.of(link.toString(), "--version"), tmp, new byte[0]);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).matches("agentbox \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\n");
        assertThat(r.stderr()).isEmpty();

        // the first start leaves a class-data archive for the next (an AOT cache, assembled in the background on JDK 25+)
        Path cache = home.resolve("cache");
        Instant deadline = Instant.now().plusSeconds(120);
        while (!hasArchive(cache)) {
            assertThat(Instant.now()).as("an archive appears in " + cache).isBefore(deadline);
            Thread.sleep(100);
        }
        AgentboxProcess.Result again = agentbox.run(List.of(link.toString(), "--version"), tmp, new byte[0]);
        assertThat(again.stdout()).isEqualTo(r.stdout());
        assertThat(again.stderr()).isEmpty();
    }

    private static boolean hasArchive(Path cache) throws IOException {
        if (!Files.isDirectory(cache)) return false;
        try (Stream<Path> files = Files.list(cache)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            return names.stream().anyMatch(n -> n.endsWith(".aot") || n.endsWith(".jsa")) && names.stream().noneMatch(n -> n.endsWith(".recording"));
        }
    }
}
