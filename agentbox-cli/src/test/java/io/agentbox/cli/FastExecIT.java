package io.agentbox.cli;

import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher's native fast path for {@code sandbox exec} (agentbox-client.c) against the JVM path,
 * which is the reference: the same command line through both gives the same stdout, stderr and exit
 * code. {@code AGENTBOX_FAST_PATH=require} proves the native path served it, {@code off} forces the JVM.
 */
class FastExecIT {
    private static Path home;
    private static SandboxProvider provider;
    private static AgentboxProcess agentbox;
    private static String id;

    @BeforeAll
    static void setUp() throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "abx");
        provider = Sandboxes.local(home);
        agentbox = new AgentboxProcess(home);
        AgentboxProcess.Result created = agentbox.run("sandbox", "create", "--json");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        id = created.stdout().replaceAll("(?s).*\"id\":\"(sbx_[a-z0-9]+)\".*", "$1").trim();
        assertThat(agentbox.run("sandbox", "exec", id, "--", "mkdir", "-p", "sub/dir").exitCode()).isZero();
    }

    @AfterAll
    static void tearDown() throws IOException {
        provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static AgentboxProcess.Result via(String mode, byte[] stdin, String... args) {
        List<String> argv = new ArrayList<>(List.of("sandbox", "exec"));
        argv.addAll(List.of(args));
        return agentbox.withEnv(Map.of("AGENTBOX_FAST_PATH", mode))
                .run(AgentboxProcess.launcher(argv.toArray(String[]::new)), null, stdin);
    }

    /** Runs the command line through both paths and checks they agree; returns the native path's result. */
    private static AgentboxProcess.Result same(byte[] stdin, String... args) {
        AgentboxProcess.Result fast = via("require", stdin, args);
        AgentboxProcess.Result jvm = via("off", stdin, args);
        assertThat(fast.stderr()).as("native path:\n" + fast).doesNotContain("fast path not taken");
        assertThat(fast.exitCode()).as("exit codes\nnative:\n" + fast + "\njvm:\n" + jvm).isEqualTo(jvm.exitCode());
        assertThat(fast.stdoutBytes()).as("stdout\nnative:\n" + fast + "\njvm:\n" + jvm).isEqualTo(jvm.stdoutBytes());
        return fast;
    }

    @Test
    void outputExitCodeAndStdinMatchTheJvmPath() {
        AgentboxProcess.Result r = same(new byte[0], id, "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.exitCode()).isEqualTo(3);

        byte[] input = "line one\nline two\n".getBytes(StandardCharsets.UTF_8);
        assertThat(same(input, id, "--", "cat").stdoutBytes()).isEqualTo(input);
        assertThat(same(new byte[0], id, "--", "sh", "-c", "kill -TERM $$").exitCode()).isEqualTo(128 + 15);
    }

    @Test
    void optionsAreAppliedAsTheJvmPathAppliesThem() {
        AgentboxProcess.Result r = same(new byte[0], "--cwd", "sub/./dir", "--env", "A=1", "--env=PATH=/usr/bin:/bin", "--user", "user",
                id, "sh", "-c", "pwd; echo $A; echo $PATH; id -u; echo $HOME; env | grep -c '^PATH='");
        assertThat(r.stdout()).isEqualTo("/workspace/sub/dir\n1\n/usr/bin:/bin\n1000\n/home/user\n1\n");
        assertThat(same(new byte[0], "--user", "root", id, "--", "sh", "-c", "id -u; echo $HOME").stdout()).isEqualTo("0\n/root\n");
        assertThat(same(new byte[0], "--cwd", "/tmp", id, "--", "pwd").stdout()).isEqualTo("/tmp\n");
    }

    @Test
    void limitsReportAsTheJvmPathReportsThem() {
        AgentboxProcess.Result timeout = same(new byte[0], "--timeout", "1s", id, "--", "sleep", "30");
        assertThat(timeout.exitCode()).isEqualTo(124);
        assertThat(timeout.stderr()).startsWith("killed: timeout after 1");

        AgentboxProcess.Result capped = same(new byte[0], "--max-output", "1k", id, "--", "head", "-c", "5000", "/dev/zero");
        assertThat(capped.stdoutBytes()).hasSize(1024);
        assertThat(capped.stderr()).isEqualTo("agentbox: stdout truncated at 1.0 KiB (--max-output); 3.9 KiB more dropped, the command ran to its end\n");
        assertThat(via("off", new byte[0], "--max-output", "1k", id, "--", "head", "-c", "5000", "/dev/zero").stderr())
                .isEqualTo(capped.stderr());
    }

    @Test
    void killEndsTheSandboxAsTheJvmPathDoes() {
        AgentboxProcess.Result created = agentbox.run("sandbox", "create", "--json");
        String other = created.stdout().replaceAll("(?s).*\"id\":\"(sbx_[a-z0-9]+)\".*", "$1").trim();
        AgentboxProcess.Result killed = agentbox.withEnv(Map.of("AGENTBOX_FAST_PATH", "require"))
                .run(AgentboxProcess.launcher("sandbox", "kill", other), null, new byte[0]);
        assertThat(killed.exitCode()).as(killed.toString()).isZero();
        assertThat(killed.stdout()).isEmpty();
        assertThat(killed.stderr()).isEmpty();
        assertThat(home.resolve("sandboxes").resolve(other)).as("its supervisor removed it").doesNotExist();
        assertThat(provider.list(SandboxQuery.ALL)).noneMatch(i -> i.id().equals(other));
        // a second kill finds nothing: the JVM says so, whichever path was asked
        AgentboxProcess.Result again = agentbox.run(AgentboxProcess.launcher("sandbox", "kill", other), null, new byte[0]);
        AgentboxProcess.Result jvm = agentbox.withEnv(Map.of("AGENTBOX_FAST_PATH", "off"))
                .run(AgentboxProcess.launcher("sandbox", "kill", other), null, new byte[0]);
        assertThat(again.exitCode()).isNotZero().isEqualTo(jvm.exitCode());
        assertThat(again.stderr()).isEqualTo(jvm.stderr());
    }

    @Test
    void whatTheNativePathDoesNotServeGoesToTheJvmUnchanged() throws IOException {
        String[][] handedBack = {
                {"--help"},
                {"sbx_doesnotexist000000000", "--", "true"},
                {"--timeout", "soon", id, "--", "true"},
                {id},
        };
        for (String[] args : handedBack) {
            assertThat(via("require", new byte[0], args).stderr()).as(String.join(" ", args)).contains("fast path not taken");
            AgentboxProcess.Result auto = via("auto", new byte[0], args);
            AgentboxProcess.Result jvm = via("off", new byte[0], args);
            assertThat(auto.exitCode()).as(String.join(" ", args)).isEqualTo(jvm.exitCode());
            assertThat(auto.stdout()).isEqualTo(jvm.stdout());
            assertThat(auto.stderr()).isEqualTo(jvm.stderr());
        }
        // a sandbox served by another build's init is never spoken to by this client
        Path link = home.resolve("sandboxes").resolve(id).resolve("init");
        Path real = Files.readSymbolicLink(link);
        Files.delete(link);
        Files.createSymbolicLink(link, Path.of("/bin/true"));
        try {
            assertThat(via("require", new byte[0], id, "--", "true").stderr()).contains("another agentbox build");
            assertThat(via("auto", new byte[0], id, "--", "echo", "served").stdout()).isEqualTo("served\n");
        } finally {
            Files.delete(link);
            Files.createSymbolicLink(link, real);
        }
    }
}
