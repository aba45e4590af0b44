package io.agentbox.cli;

import io.agentbox.sandbox.Pool;
import io.agentbox.sandbox.PooledSandboxProvider;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher's native {@code sandbox ls} and {@code sandbox info} (agentbox-client.c, serving the
 * records FastView writes) against the JVM path, the reference: the same command line through both
 * prints the same bytes with the same exit code. Every sandbox here expires in hours, so the "in 1h59m"
 * of the text forms changes once a minute: a pair that straddles a minute is run again.
 */
class FastListIT {
    private static Path home;
    private static SandboxProvider provider;
    private static AgentboxProcess agentbox;
    private static String plain;
    private static String labelled;

    @BeforeAll
    static void setUp() throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "abx");
        provider = Sandboxes.local(home);
        agentbox = new AgentboxProcess(home);
        plain = create("--timeout", "2h");
        labelled = create("--timeout", "3h", "--metadata", "owner=fast", "--metadata", "b=2");
    }

    @AfterAll
    static void tearDown() throws IOException {
        provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String create(String... options) {
        List<String> argv = new ArrayList<>(List.of("sandbox", "create", "--json"));
        argv.addAll(List.of(options));
        AgentboxProcess.Result created = agentbox.run(argv.toArray(String[]::new));
        assertThat(created.exitCode()).as(created.toString()).isZero();
        return created.stdout().replaceAll("(?s).*\"id\":\"(sbx_[a-z0-9]+)\".*", "$1").trim();
    }

    private static AgentboxProcess.Result via(String mode, String... args) {
        List<String> argv = new ArrayList<>(List.of("sandbox"));
        argv.addAll(List.of(args));
        return agentbox.withEnv(Map.of("AGENTBOX_FAST_PATH", mode)).run(AgentboxProcess.launcher(argv.toArray(String[]::new)), null, new byte[0]);
    }

    /** The native path serves the command line and prints what the JVM prints; returns the native result. */
    private static AgentboxProcess.Result same(String... args) {
        AgentboxProcess.Result fast = null, jvm = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            fast = via("require", args);
            assertThat(fast.stderr()).as("native path:\n" + fast).doesNotContain("fast path not taken");
            jvm = via("off", args);
            if (fast.exitCode() == jvm.exitCode() && Arrays.equals(fast.stdoutBytes(), jvm.stdoutBytes()) && fast.stderr().equals(jvm.stderr())) {
                return fast;
            }
        }
        assertThat(fast.exitCode()).as("exit codes\nnative:\n" + fast + "\njvm:\n" + jvm).isEqualTo(jvm.exitCode());
        assertThat(fast.stdout()).as("stdout").isEqualTo(jvm.stdout());
        assertThat(fast.stderr()).as("stderr").isEqualTo(jvm.stderr());
        return fast;
    }

    @Test
    void lsAndInfoPrintWhatTheJvmPrints() {
        assertThat(same("ls").stdout()).contains(plain).contains(labelled).contains("b=2,owner=fast");
        assertThat(same("ls", "--json").stdout()).startsWith("[{").endsWith("}]\n").contains(plain).contains(labelled);
        assertThat(same("ls", "--metadata", "owner=fast").stdout()).contains(labelled).doesNotContain(plain);
        assertThat(same("ls", "--json", "--metadata=owner=fast", "--metadata", "b=2").stdout()).contains(labelled).doesNotContain(plain);
        AgentboxProcess.Result none = same("ls", "--metadata", "owner=nobody", "--metadata", "a=1");
        assertThat(none.stderr()).isEqualTo("no live sandboxes with a=1,owner=nobody\n");
        assertThat(same("ls", "--json", "--metadata", "owner=nobody").stdout()).isEqualTo("[]\n");

        assertThat(same("info", labelled).stdout()).contains("metadata   b=2,owner=fast\n").contains("(in 2h59m)").doesNotContain("\u0001");
        assertThat(same("info", "--json", plain).stdout()).startsWith("{\"id\":\"" + plain + "\"");
        assertThat(same("info", labelled, "--json").stdout()).contains("\"owner\":\"fast\"");
    }

    @Test
    void aChangedSandboxIsServedByTheJvmUntilItsRecordIsNew() {
        // a deadline moved by the library, not the CLI: the record is out of date
        provider.connect(plain).setTimeout(Duration.ofHours(5));
        assertThat(via("require", "info", plain).stderr()).contains("fast path not taken");
        assertThat(via("require", "ls").stderr()).contains("fast path not taken");
        AgentboxProcess.Result auto = via("auto", "info", plain, "--json");
        assertThat(auto.exitCode()).isZero();
        Instant expires = Instant.parse(auto.stdout().replaceAll("(?s).*\"expiresAt\":\"([^\"]+)\".*", "$1").trim());
        assertThat(expires).isAfter(Instant.now().plus(Duration.ofHours(4)));
        // the JVM that served it wrote the new record
        assertThat(same("info", plain, "--json").stdout()).isEqualTo(auto.stdout());
        // the CLI's own set-timeout keeps the record current
        assertThat(via("off", "set-timeout", plain, "2h").exitCode()).isZero();
        assertThat(same("info", plain).stdout()).contains("(in 1h59m)");
    }

    @Test
    void aSandboxWaitingInAPoolIsInvisibleToBothPaths() throws InterruptedException {
        try (PooledSandboxProvider pooled = Sandboxes.local(home).withPool(Pool.of("host", 1))) {
            Instant deadline = Instant.now().plusSeconds(60);
            while (pooled.pools().getFirst().ready() < 1 && Instant.now().isBefore(deadline)) Thread.sleep(50);
            assertThat(pooled.pools().getFirst().ready()).as("the pool filled").isEqualTo(1);
            try (Stream<Path> dirs = Files.list(home.resolve("sandboxes"))) {
                assertThat(dirs.count()).as("the waiting sandbox has a state dir").isGreaterThanOrEqualTo(3);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            AgentboxProcess.Result ls = same("ls", "--json");
            assertThat(ls.stdout().split("\"id\"")).hasSize(3);
        }
    }

    @Test
    void whatTheNativePathDoesNotServeGoesToTheJvmUnchanged() {
        String[][] handedBack = {
                {"ls", "--help"},
                {"ls", "extra"},
                {"ls", "--metadata", "novalue"},
                {"info"},
                {"info", "sbx_doesnotexist000000000"},
                {"info", plain, "--verbose"},
        };
        for (String[] args : handedBack) {
            assertThat(via("require", args).stderr()).as(String.join(" ", args)).contains("fast path not taken");
            AgentboxProcess.Result auto = via("auto", args);
            AgentboxProcess.Result jvm = via("off", args);
            assertThat(auto.exitCode()).as(String.join(" ", args)).isEqualTo(jvm.exitCode());
            assertThat(auto.stdout()).isEqualTo(jvm.stdout());
            assertThat(auto.stderr()).isEqualTo(jvm.stderr());
        }
        // another provider is never answered from this machine's records
        AgentboxProcess.Result e2b = agentbox.withEnv(Map.of("AGENTBOX_FAST_PATH", "require", "AGENTBOX_PROVIDER", "e2b"))
                .run(AgentboxProcess.launcher("sandbox", "ls"), null, new byte[0]);
        assertThat(e2b.stderr()).contains("fast path not taken: another provider");
    }
}
