package io.agentbox.sandbox.template;

import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.TestSandboxes;
import io.agentbox.sandbox.local.UidRanges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks from a template build step, the way a hostile package script would run them: as root over
 * the rootfs being built. A build is confined like a sandbox with root inside, so each attack must find
 * nothing but the template it is building. One template is built (its steps record what they found in
 * the rootfs, and never fail); the tests read those records and the host's state.
 */
class TemplateBuildIsolationTest {
    @RegisterExtension
    static final TestSandboxes sandboxes = new TestSandboxes();

    /** Capabilities that reach past a sandbox (capability(7) numbers), as in IsolationTest. */
    private static final Map<String, Integer> DANGEROUS_CAPS = Map.ofEntries(
            Map.entry("CAP_DAC_READ_SEARCH", 2), Map.entry("CAP_NET_ADMIN", 12), Map.entry("CAP_NET_RAW", 13),
            Map.entry("CAP_SYS_CHROOT", 18), Map.entry("CAP_SYS_MODULE", 16), Map.entry("CAP_SYS_RAWIO", 17),
            Map.entry("CAP_SYS_PTRACE", 19), Map.entry("CAP_SYS_ADMIN", 21), Map.entry("CAP_SYS_BOOT", 22),
            Map.entry("CAP_MKNOD", 27), Map.entry("CAP_SYSLOG", 34), Map.entry("CAP_PERFMON", 38), Map.entry("CAP_BPF", 39));
    /** CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID: what dpkg, apt and npm use. */
    private static final long BUILD_CAPS = (1L << 0) | (1L << 1) | (1L << 3) | (1L << 4) | (1L << 5) | (1L << 6) | (1L << 7);

    private static final String MARKER = "agentbox-build-escape-" + UUID.randomUUID();
    private static final List<Path> HOST_TARGETS = List.of(Path.of("/root", "." + MARKER), Path.of("/etc", MARKER));

    private static ServerSocket loopbackServer;
    private static final AtomicInteger loopbackAccepted = new AtomicInteger();
    private static Path rootfs;
    private static Templates templates;

    @BeforeAll
    static void buildTheAttackTemplate() throws IOException {
        loopbackServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!loopbackServer.isClosed()) {
                try (Socket s = loopbackServer.accept()) {
                    loopbackAccepted.incrementAndGet();
                } catch (IOException closed) {
                    return;
                }
            }
        });
        Path home = sandboxes.home();
        // the host disk under the data dir, for a step that tries to mount it and write host files
        Path store = Path.of(Files.getFileStore(home).toString().replaceFirst(" \\(.*$", ""));
        long dev = (long) Files.getAttribute(home, "unix:dev");
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        StringBuilder escape = new StringBuilder("mkdir -p /tmp/esc /opt/attack; mount -t tmpfs none /tmp/esc && mknod /tmp/esc/disk b "
                + major + " " + minor + " && mkdir /tmp/esc/m && mount /tmp/esc/disk /tmp/esc/m");
        for (Path target : HOST_TARGETS) escape.append(" && echo pwned > /tmp/esc/m/").append(store.relativize(target));
        String spec = """
                name = "attack"
                packages = ["jq"]
                run = [
                  "mkdir -p /opt/attack",
                  "grep -E '^(Cap(Eff|Prm|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status > /opt/attack/status; grep CapEff /proc/1/status > /opt/attack/init",
                  "cat /proc/self/uid_map > /opt/attack/uid_map",
                  "(%s) > /opt/attack/escape 2>&1; echo \\"disk exit $?\\" >> /opt/attack/escape",
                  "if cat /proc/sys/kernel/core_pattern > /tmp/cp && cat /tmp/cp > /proc/sys/kernel/core_pattern; then echo core_pattern written; else echo core_pattern refused; fi >> /opt/attack/escape 2>&1",
                  "for p in /proc/[0-9]*; do tr '\\\\0' ' ' < $p/cmdline; echo; done > /opt/attack/procs 2>/dev/null; true",
                  "bash -c 'if (exec 3<>/dev/tcp/127.0.0.1/%d) 2>/dev/null; then echo reached; else echo refused; fi' > /opt/attack/loopback",
                  "bash -c 'exec 3<>/dev/tcp/deb.debian.org/80 && printf \\"HEAD /debian/dists/bookworm/InRelease HTTP/1.1\\\\r\\\\nHost: deb.debian.org\\\\r\\\\nConnection: close\\\\r\\\\n\\\\r\\\\n\\" >&3 && head -1 <&3' > /opt/attack/mirror 2>&1; true",
                  "apt-get update -qq && apt-get install -y -qq --no-install-recommends hello",
                  "mkdir -p /opt/owned && touch /opt/owned/root /opt/owned/user /opt/owned/apt && chown user:user /opt/owned/user && chown _apt /opt/owned/apt",
                ]
                """.formatted(escape.toString().replace("\"", "\\\""), loopbackServer.getLocalPort());
        Path file = Files.writeString(Files.createDirectories(home.resolve("specs")).resolve("attack.toml"), spec);
        templates = new Templates(home);
        rootfs = templates.build(file, BuildListener.NONE).rootfs().orElseThrow();
    }

    @AfterAll
    static void cleanUp() throws IOException {
        loopbackServer.close();
        for (Path p : HOST_TARGETS) Files.deleteIfExists(p);
        if (templates != null) templates.remove("attack");
    }

    private static String record(String name) throws IOException {
        return Files.readString(rootfs.resolve("opt/attack").resolve(name));
    }

    @Test
    void aBuildStepAsRootCannotWriteHostFiles() throws IOException {
        // mounting the host's disk: no mounts, no device nodes, so the attempt fails at its first step
        for (Path target : HOST_TARGETS) assertThat(target).as("host file written by a build step").doesNotExist();
        String escape = record("escape");
        assertThat(escape).contains("disk exit ").doesNotContain("disk exit 0\n");
        // the kernel's core_pattern (a '|program' there runs as host root at the next crash): the step
        // writes back the value it read, which is harmless where it succeeds, as it did before builds were confined
        assertThat(escape).contains("core_pattern refused").doesNotContain("core_pattern written");
    }

    @Test
    void aBuildStepHoldsOnlyWhatDpkgAndNpmNeedUnderSeccomp() throws IOException {
        String status = record("status");
        for (String line : status.lines().filter(l -> l.startsWith("Cap")).toList()) {
            long mask = Long.parseUnsignedLong(line.substring(line.indexOf(':') + 1).trim(), 16);
            DANGEROUS_CAPS.forEach((name, bit) -> assertThat(mask & (1L << bit)).as("%s in %s", name, line).isZero());
        }
        assertThat(status).contains("CapEff:\t%016x".formatted(BUILD_CAPS), "CapBnd:\t%016x".formatted(BUILD_CAPS),
                "CapAmb:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2");
        // the build's init: its own four, plus what it hands to steps
        assertThat(record("init")).isEqualTo("CapEff:\t%016x\n".formatted(BUILD_CAPS | (1L << 8)));
    }

    @Test
    void aBuildStepIsRootOnlyInItsOwnUserNamespace() throws IOException {
        String[] map = record("uid_map").trim().split("\\s+");
        assertThat(map).hasSize(3);
        assertThat(map[0]).isEqualTo("0");
        assertThat(Long.parseLong(map[1])).isBetween(UidRanges.DEFAULT.first(), UidRanges.DEFAULT.end() - UidRanges.IDS_PER_SLOT);
        assertThat(map[2]).isEqualTo(String.valueOf(UidRanges.IDS_PER_SLOT));
    }

    @Test
    void aBuildStepSeesNoHostProcess() throws IOException {
        String procs = record("procs");
        assertThat(procs).doesNotContain("surefire", "java", "systemd", "sshd");
        assertThat(procs.lines().filter(l -> !l.isBlank()).count()).isLessThan(10);
    }

    @Test
    void aBuildStepCannotReachHostLoopbackButReachesTheMirrorThroughTheEgress() throws IOException {
        assertThat(record("loopback")).isEqualTo("refused\n");
        assertThat(loopbackAccepted).hasValue(0);
        assertThat(record("mirror")).startsWith("HTTP/1.1 200");
    }

    @Test
    void filesWrittenByABuildHaveTheirOwnersOnDiskAndInSandboxes() throws IOException {
        // on disk, the ids inside the build (not the build's host uid range): what every sandbox maps
        assertThat(Files.getAttribute(rootfs.resolve("opt/owned/root"), "unix:uid")).isEqualTo(0);
        assertThat(Files.getAttribute(rootfs.resolve("opt/owned/user"), "unix:uid")).isEqualTo(1000);
        assertThat(Files.getAttribute(rootfs.resolve("opt/owned/user"), "unix:gid")).isEqualTo(1000);
        assertThat(Files.getAttribute(rootfs.resolve("usr/bin/hello"), "unix:uid")).isEqualTo(0);
        // installed by debootstrap's second stage in the build sandbox: dpkg set the group and the setgid bit
        assertThat(Files.getAttribute(rootfs.resolve("usr/bin/chage"), "unix:mode")).isEqualTo(0102755);
        Object shadow = Files.getAttribute(rootfs.resolve("usr/bin/chage"), "unix:gid");
        assertThat(Files.readAllLines(rootfs.resolve("etc/group"))).anyMatch(l -> l.startsWith("shadow:x:" + shadow + ":"));
        int apt = (int) Files.getAttribute(rootfs.resolve("opt/owned/apt"), "unix:uid");
        assertThat(Files.readAllLines(rootfs.resolve("etc/passwd"))).anyMatch(l -> l.startsWith("_apt:x:" + apt + ":"));

        Sandbox sbx = sandboxes.create(SandboxSpec.builder().template("attack").timeout(Duration.ofMinutes(2)).build());
        CommandResult r = sbx.commands().run(Command.shell("stat -c '%n %U:%G' /opt/owned/root /opt/owned/user /opt/owned/apt /usr/bin/hello; "
                + "stat -c '%n %a %U:%G' /usr/bin/chage; hello"));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("""
                /opt/owned/root root:root
                /opt/owned/user user:user
                /opt/owned/apt _apt:root
                /usr/bin/hello root:root
                /usr/bin/chage 2755 root:shadow
                Hello, world!
                """);
    }
}
