package io.agentbox.cli;

import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attack: a command that floods its output ({@code yes}) must not push gigabytes through
 * {@code agentbox sandbox exec} into the caller's pipe or disk.
 */
class ExecOutputLimitIT {
    private static Path home;
    private static AgentboxProcess agentbox;
    private static SandboxProvider provider;
    private static String id;

    @BeforeAll
    static void setUp() throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "abx");
        agentbox = new AgentboxProcess(home);
        provider = Sandboxes.local(home);
        AgentboxProcess.Result r = agentbox.run("sandbox", "create", "--timeout", "5m");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        id = r.stdout().strip();
    }

    @AfterAll
    static void tearDown() throws IOException {
        try {
            provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
        } finally {
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void yesUnderATimeoutPassesTheDefaultTenMibAndSaysItTruncated() {
        AgentboxProcess.Result r = agentbox.run("sandbox", "exec", "--timeout", "3s", id, "--", "yes");
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(124);
        assertThat(r.stdoutBytes().length).isEqualTo(10 << 20);
        assertThat(new String(r.stdoutBytes(), 0, 4)).isEqualTo("y\ny\n");
        assertThat(r.stderr()).contains("agentbox: stdout truncated at 10.0 MiB (--max-output)");
        assertThat(r.stderr()).contains("killed: timeout");
    }

    @Test
    void pastTheCapTheCommandKeepsRunningAndKeepsItsExitCode() {
        AgentboxProcess.Result r = agentbox.run("sandbox", "exec", "--max-output", "1k", id, "--",
                "sh", "-c", "head -c 5000 /dev/zero; head -c 3000 /dev/zero >&2; echo finished > /tmp/after-flood; exit 7");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(7);
        assertThat(r.stdoutBytes()).hasSize(1024);
        assertThat(r.stderr()).startsWith("\0".repeat(1024));
        assertThat(r.stderr()).contains("agentbox: stdout truncated at 1.0 KiB (--max-output); 3.9 KiB more dropped, the command ran to its end");
        assertThat(r.stderr()).contains("agentbox: stderr truncated at 1.0 KiB (--max-output); 1.9 KiB more dropped");
        AgentboxProcess.Result after = agentbox.run("sandbox", "exec", id, "--", "cat", "/tmp/after-flood");
        assertThat(after.stdout()).isEqualTo("finished\n");
    }

    @Test
    void zeroMeansNoLimitAndOutputUnderTheCapSaysNothing() {
        AgentboxProcess.Result all = agentbox.run("sandbox", "exec", "--max-output", "0", id, "--", "head", "-c", "12m", "/dev/zero");
        assertThat(all.exitCode()).as(all.stderr()).isZero();
        assertThat(all.stdoutBytes()).hasSize(12 << 20);
        assertThat(all.stderr()).isEmpty();

        AgentboxProcess.Result exact = agentbox.run("sandbox", "exec", "--max-output", "4k", id, "--", "head", "-c", "4096", "/dev/zero");
        assertThat(exact.stdoutBytes()).hasSize(4096);
        assertThat(exact.stderr()).isEmpty();
    }

    @Test
    void aBadSizeIsAUsageError() {
        AgentboxProcess.Result r = agentbox.run("sandbox", "exec", "--max-output", "lots", id, "--", "true");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("invalid size 'lots'");
    }
}
