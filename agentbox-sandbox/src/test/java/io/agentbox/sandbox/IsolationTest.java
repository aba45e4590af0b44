package io.agentbox.sandbox;

import io.agentbox.sandbox.SandboxFileException.Reason;
import io.agentbox.sandbox.local.LocalSandboxProvider;
import io.agentbox.sandbox.local.UidRanges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tries to break every isolation promise of DESIGN.md's security model. Each test attacks from
 * inside a sandbox, as the sandbox user and (where it matters) as the sandbox's root, and must fail
 * safely every time.
 */
class IsolationTest {
    @RegisterExtension
    static TestSandboxes sandboxes = new TestSandboxes();

    static final String SECRET = "host-secret-" + UUID.randomUUID();
    static Path rootSecret;
    static Path homeSecret;

    @BeforeAll
    static void plantHostSecrets() throws IOException {
        rootSecret = Files.writeString(Path.of("/root", ".agentbox-isolation-" + UUID.randomUUID()), SECRET);
        Files.createDirectories(Path.of("/home"));
        homeSecret = Files.writeString(Path.of("/home", ".agentbox-isolation-" + UUID.randomUUID()), SECRET);
    }

    @AfterAll
    static void removeHostSecrets() throws IOException {
        Files.deleteIfExists(rootSecret);
        Files.deleteIfExists(homeSecret);
    }

    private static CommandResult sh(Sandbox s, String script, boolean root) {
        Command.Builder b = Command.shellBuilder(script);
        if (root) b.asRoot();
        return s.commands().run(b.build());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void hostFilesCannotBeRead(boolean root) {
        Sandbox s = sandboxes.create();
        String attempts = String.join("; ",
                "cat " + rootSecret, "cat " + homeSecret, "cat /etc/shadow", "cat /proc/1/root" + rootSecret,
                "cat /proc/self/root" + rootSecret, "ls -a /root /home", "grep -rs " + SECRET + " /etc /usr/local /opt /srv /var 2>/dev/null",
                "find / -xdev -name '.agentbox-isolation-*' 2>/dev/null");
        CommandResult r = sh(s, attempts, root);
        assertThat(r.stdout() + r.stderr()).doesNotContain(SECRET);
        assertThat(sh(s, "find / -xdev -name '.agentbox-isolation-*' 2>/dev/null", root).stdout()).isEmpty();
        assertThat(sh(s, "ls /home", root).stdout()).isEqualTo("user\n");
        assertThat(sh(s, "test -e /etc/shadow || echo absent", root).stdout()).isEqualTo("absent\n");
    }

    @Test
    void hostProcessesAreInvisible() {
        Sandbox s = sandboxes.create();
        CommandResult ps = sh(s, "ps -eo pid,comm --no-headers", true);
        assertThat(ps.stdout()).doesNotContain("java", "bwrap", "systemd", "sshd", "agentbox-init launch");
        assertThat(ps.stdout().lines().map(l -> l.trim().split("\\s+")[1])).isSubsetOf("init", "ps", "bash");
        assertThat(sh(s, "kill -9 " + ProcessHandle.current().pid() + " 2>&1; echo rc=$?", true).stdout()).contains("rc=1");
        assertThat(ProcessHandle.current().isAlive()).isTrue();
    }

    @Test
    void theOrchestratorsEnvironmentDoesNotLeakIn() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().env("GIVEN", "yes").build());
        String hostPath = System.getenv("PATH");
        CommandResult env = sh(s, "env; cat /proc/1/environ 2>&1; tr '\\0' '\\n' < /proc/1/environ 2>&1", true);
        assertThat(env.stdout()).contains("GIVEN=yes");
        for (var e : System.getenv().entrySet()) {
            boolean ours = env.stdout().lines().anyMatch(l -> l.equals(e.getKey() + "=" + e.getValue()))
                    && Set.of("SHELL", "HOME", "LANG", "USER", "LOGNAME", "TMPDIR", "PWD", "SHLVL", "_").contains(e.getKey());
            if (!ours && e.getValue().length() >= 3) {
                assertThat(env.stdout()).as("host variable %s", e.getKey()).doesNotContain(e.getKey() + "=" + e.getValue());
            }
        }
        assertThat(env.stdout()).doesNotContain("JAVA_HOME", "MAVEN", "SSH_AUTH_SOCK");
        if (hostPath != null) assertThat(env.stdout()).doesNotContain("PATH=" + hostPath + "\n");
        // init's own environment is empty, and its memory is out of reach even for the sandbox's root
        assertThat(sh(s, "wc -c < /proc/1/environ", true).stdout().trim()).isIn("", "0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/usr/evil", "/etc/evil", "/evil", "/opt/evil", "/bin/evil", "/run/agentbox/init"})
    void theTemplateIsReadOnlyEvenForRoot(String path) {
        Sandbox s = sandboxes.create();
        CommandResult r = sh(s, "echo x > " + path + " 2>&1 || mkdir -p " + path + "/d 2>&1", true);
        assertThat(r.exitCode()).isNotZero();
        assertThat(sh(s, "test -e " + path + "/d && echo exists", true).stdout()).isEmpty();
    }

    @Test
    void hostLoopbackIsUnreachableWithNetworkNoneAndWithOpen() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            String probe = "python3 -c \"import socket;s=socket.create_connection(('127.0.0.1'," + port + "),timeout=2);print('connected')\" 2>&1";
            CommandResult none = sh(sandboxes.create(), probe, false);
            assertThat(none.stdout()).doesNotContain("connected").containsAnyOf("refused", "unreachable");
            CommandResult open = sh(sandboxes.create(SandboxSpec.builder().network(NetworkPolicy.open()).build()), probe, false);
            assertThat(open.stdout()).doesNotContain("connected").containsAnyOf("refused", "unreachable");
        }
        CommandResult ifaces = sh(sandboxes.create(), "cat /proc/net/dev | tail -n +3 | cut -d: -f1", false);
        assertThat(ifaces.stdout().trim()).isEqualTo("lo");
    }

    @Test
    void anotherSandboxsFilesAndProcessesAreOutOfReach() {
        Sandbox a = sandboxes.create();
        Sandbox b = sandboxes.create();
        a.files().write("/workspace/a-secret", SECRET);
        a.files().write("/tmp/a-tmp", SECRET);
        CommandHandle sleeper = a.commands().start(Command.of("sleep", "777"));
        a.commands().start(Command.of("python3", "-c",
                "import socket,time;s=socket.socket(socket.AF_UNIX);s.bind('\\0abx-a');s.listen();time.sleep(600)"));

        CommandResult look = sh(b, "ls -a /workspace /tmp; grep -rs " + SECRET + " /workspace /tmp /home /root /run 2>/dev/null; pgrep -a sleep; kill -9 "
                + sleeper.pid() + " 2>&1", true);
        assertThat(look.stdout()).doesNotContain(SECRET, "a-secret", "a-tmp", "777");
        CommandResult sock = sh(b, "python3 -c \"import socket;s=socket.socket(socket.AF_UNIX);s.connect('\\0abx-a');print('connected')\" 2>&1", false);
        assertThat(sock.stdout()).doesNotContain("connected");
        assertThat(a.commands().list()).filteredOn(p -> p.pid() == sleeper.pid()).first()
                .satisfies(p -> assertThat(p.running()).isTrue());
    }

    @Test
    void fileApiRefusesDotDotAndNeverFollowsLinksOutOfTheSandbox() {
        Sandbox s = sandboxes.create();
        for (String p : new String[] {"../etc/passwd", "/workspace/../../etc/shadow", "a/../../b", ".."}) {
            assertThatThrownBy(() -> s.files().read(p)).as(p).isInstanceOf(SandboxFileException.class)
                    .satisfies(e -> assertThat(((SandboxFileException) e).reason()).isEqualTo(Reason.REFUSED));
            assertThatThrownBy(() -> s.files().write(p, "x")).as(p).isInstanceOf(SandboxFileException.class);
        }
        // links planted inside the sandbox resolve inside it: the host's files are not there
        s.commands().run(Command.shell("ln -s " + rootSecret + " to-host; ln -s /etc/shadow to-shadow; ln -s /proc/1/root" + rootSecret
                + " via-proc; ln -s /proc/self/root/etc/passwd via-self"));
        assertThatThrownBy(() -> s.files().read("to-host")).isInstanceOf(SandboxFileException.class);
        assertThatThrownBy(() -> s.files().read("to-shadow")).isInstanceOf(SandboxFileException.class);
        assertThatThrownBy(() -> s.files().read("via-proc")).isInstanceOf(SandboxFileException.class)
                .satisfies(e -> assertThat(((SandboxFileException) e).reason()).isEqualTo(Reason.REFUSED));
        assertThatThrownBy(() -> s.files().read("via-self")).isInstanceOf(SandboxFileException.class)
                .satisfies(e -> assertThat(((SandboxFileException) e).reason()).isEqualTo(Reason.REFUSED));
        assertThatThrownBy(() -> s.files().write("via-self", "x")).isInstanceOf(SandboxFileException.class);
        assertThatThrownBy(() -> s.files().read("/proc/1/root" + rootSecret)).isInstanceOf(SandboxFileException.class);
        assertThat(Files.exists(rootSecret)).isTrue();
    }

    @Test
    void copyInDoesNotFollowHostLinksAndCopyOutDoesNotWriteThroughThem(@TempDir Path host) throws IOException {
        Sandbox s = sandboxes.create();
        Path src = Files.createDirectories(host.resolve("src"));
        Files.createSymbolicLink(src.resolve("link-to-secret"), rootSecret);
        Files.writeString(src.resolve("plain.txt"), "plain");
        s.files().copyIn(src, "/workspace/in");
        assertThat(s.files().stat("in/link-to-secret").type()).isEqualTo(FileInfo.Type.SYMLINK);
        assertThat(sh(s, "cat in/link-to-secret 2>&1", true).stdout()).doesNotContain(SECRET);

        // the sandbox offers a link to a host path and a file named like a host link we planted
        s.commands().run(Command.shell("mkdir out && ln -s /etc/passwd out/passwd-link && echo pwned > out/victim"));
        Path dst = Files.createDirectories(host.resolve("dst"));
        Path victimTarget = Files.writeString(host.resolve("victim-target"), "untouched");
        Files.createSymbolicLink(dst.resolve("victim"), victimTarget);
        try {
            s.files().copyOut("/workspace/out", dst);
        } catch (SandboxException expected) {
            // refusing to write through the planted link is fine; writing through it is not
        }
        assertThat(victimTarget).hasContent("untouched");
        assertThat(dst.resolve("passwd-link")).doesNotExist();
    }

    @Test
    void mountSysctlDmesgNamespacesAndKeyringsAreDenied() {
        Sandbox s = sandboxes.create();
        String script = String.join("\n",
                "mount -t tmpfs none /tmp 2>/dev/null && echo MOUNTED",
                "echo 1 > /proc/sys/kernel/sysrq 2>/dev/null && echo SYSCTL",
                "sysctl -w kernel.domainname=pwned >/dev/null 2>&1 && echo SYSCTL2",
                "hostname pwned 2>/dev/null && echo HOSTNAME",
                "dmesg >/dev/null 2>&1 && echo DMESG",
                "unshare -U true 2>/dev/null && echo USERNS",
                "unshare -m true 2>/dev/null && echo MOUNTNS",
                "nsenter -t 1 -m true 2>/dev/null && echo NSENTER",
                "python3 -c 'import ctypes;l=ctypes.CDLL(None);exit(0 if l.syscall(250,b\"user\",b\"x\",b\"y\",2,-4)>=0 else 1)' 2>/dev/null && echo KEYRING",
                "chroot / true 2>/dev/null && echo CHROOT",
                "echo done");
        for (boolean root : new boolean[] {false, true}) {
            CommandResult r = sh(s, script, root);
            assertThat(r.stdout()).as(root ? "as root" : "as user").isEqualTo("done\n");
        }
        CommandResult status = sh(s, "grep -E '^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status", true);
        assertThat(status.stdout()).contains("CapEff:\t0000000000000000", "CapPrm:\t0000000000000000",
                "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2");
        assertThat(Files.exists(Path.of("/proc/sys/kernel/domainname"))).isTrue();
        assertThat(sh(s, "cat /proc/sys/kernel/domainname", false).stdout()).doesNotContain("pwned");
    }

    /** Capabilities that would let a sandbox process reach past the sandbox (capability(7) numbers). */
    static final Map<String, Integer> DANGEROUS_CAPS = Map.ofEntries(
            Map.entry("CAP_DAC_READ_SEARCH", 2), Map.entry("CAP_NET_ADMIN", 12),
            Map.entry("CAP_SYS_MODULE", 16), Map.entry("CAP_SYS_RAWIO", 17),
            Map.entry("CAP_SYS_PTRACE", 19), Map.entry("CAP_SYS_ADMIN", 21),
            Map.entry("CAP_SYS_BOOT", 22), Map.entry("CAP_MKNOD", 27),
            Map.entry("CAP_SYSLOG", 34), Map.entry("CAP_PERFMON", 38),
            Map.entry("CAP_BPF", 39));

    @Test
    void noSandboxProcessInitIncludedHoldsDangerousCapabilities() {
        Sandbox s = sandboxes.create();
        CommandHandle bg = s.commands().start(Command.of("sleep", "600"));
        String status = sh(s, "for p in 1 self " + bg.pid() + "; do grep -H -E '^Cap(Eff|Prm|Inh|Amb):' /proc/$p/status; done", true).stdout();
        assertThat(status.lines().count()).isEqualTo(12);
        for (String line : status.lines().toList()) {
            long mask = Long.parseUnsignedLong(line.substring(line.indexOf(':', line.indexOf(':') + 1) + 1).trim(), 16);
            DANGEROUS_CAPS.forEach((name, bit) -> assertThat(mask & (1L << bit)).as("%s in %s", name, line).isZero());
        }
        // init keeps only the four capabilities it uses
        String init = sh(s, "grep CapEff /proc/1/status", true).stdout();
        long initCaps = Long.parseUnsignedLong(init.substring(init.indexOf(':') + 1).trim(), 16);
        assertThat(initCaps).isEqualTo((1L << 5) | (1L << 6) | (1L << 7) | (1L << 8)); // KILL SETGID SETUID SETPCAP
    }

    @Test
    void theFileApiReadsNoMoreThanItsCallerCould() {
        Sandbox s = sandboxes.create();
        for (String path : new String[] {"/proc/kallsyms", "/proc/1/environ", "/proc/1/maps", "/proc/self/status", "/sys/kernel/notes"}) {
            try {
                String text = s.files().readText(path);
                // a served kallsyms must not give addresses away
                assertThat(text.lines().filter(l -> !l.startsWith("0000000000000000")).findAny()).as(path).isEmpty();
            } catch (SandboxFileException e) {
                assertThat(e.reason()).as(path).isIn(Reason.REFUSED, Reason.NOT_FOUND, Reason.PERMISSION_DENIED);
            }
        }
        // a link the sandbox plants does not lead the file API into /proc either
        sh(s, "ln -s /proc/1/environ /workspace/env-link; ln -s /proc /workspace/proc-link", false);
        assertThatThrownBy(() -> s.files().read("/workspace/env-link")).isInstanceOf(SandboxFileException.class);
        assertThatThrownBy(() -> s.files().list("/workspace/proc-link/1")).isInstanceOf(SandboxFileException.class);
        assertThatThrownBy(() -> s.files().write("/proc/self/oom_score_adj", "-1000")).isInstanceOf(SandboxFileException.class)
                .satisfies(e -> assertThat(((SandboxFileException) e).reason()).isEqualTo(Reason.REFUSED));
        // and what the sandbox's root keeps to itself stays closed to the file API (no DAC override in init)
        sh(s, "mkdir -m 700 /tmp/rootonly && echo mine > /tmp/rootonly/f", true);
        assertThatThrownBy(() -> s.files().read("/tmp/rootonly/f")).isInstanceOf(SandboxFileException.class);
    }

    /** Tries each kernel interface from inside; prints one "name=result" line per attempt. */
    static final String SYSCALL_PROBE = """
            import ctypes, errno, platform, socket
            libc = ctypes.CDLL(None, use_errno=True)
            libc.syscall.restype = ctypes.c_long
            nr = {"x86_64": {"io_uring_setup": 425, "userfaultfd": 323, "perf_event_open": 298, "modify_ldt": 154,
                             "kexec_load": 246, "bpf": 321, "lookup_dcookie": 212},
                  "aarch64": {"io_uring_setup": 425, "userfaultfd": 282, "perf_event_open": 241, "kexec_load": 104,
                              "bpf": 280, "lookup_dcookie": 18}}[platform.machine()]
            params = ctypes.create_string_buffer(256)
            attr = ctypes.create_string_buffer(256)
            calls = {"io_uring_setup": (1, params), "userfaultfd": (0,), "perf_event_open": (attr, 0, -1, -1, 0),
                     "modify_ldt": (0, params, 16), "kexec_load": (0, 0, 0, 0), "bpf": (0, attr, 64), "lookup_dcookie": (0, params, 16)}
            for name, args in calls.items():
                if name not in nr: continue
                r = libc.syscall(ctypes.c_long(nr[name]), *args)
                print(f"{name}={'ok' if r >= 0 else errno.errorcode[ctypes.get_errno()]}")
            def sock(family, type_=socket.SOCK_STREAM, proto=0):
                try:
                    socket.socket(family, type_, proto).close(); return "ok"
                except OSError as e:
                    return errno.errorcode[e.errno]
            for name, fam in [("vsock", 40), ("alg", 38), ("packet", 17), ("key", 15), ("bluetooth", 31), ("tipc", 30),
                              ("rds", 21), ("xdp", 44), ("can", 29), ("x25", 9), ("appletalk", 5), ("ax25", 3)]:
                print(f"af_{name}={sock(fam, socket.SOCK_DGRAM if name not in ('vsock',) else socket.SOCK_STREAM)}")
            print("af_unix=" + sock(socket.AF_UNIX))
            print("af_inet=" + sock(socket.AF_INET))
            print("af_inet6=" + sock(socket.AF_INET6))
            print("netlink_route=" + sock(socket.AF_NETLINK, socket.SOCK_RAW, 0))
            print("netlink_audit=" + sock(socket.AF_NETLINK, socket.SOCK_RAW, 9))
            print("netlink_uevent=" + sock(socket.AF_NETLINK, socket.SOCK_RAW, 15))
            try:
                socket.socketpair(socket.AF_UNIX); print("socketpair_unix=ok")
            except OSError as e:
                print("socketpair_unix=" + errno.errorcode[e.errno])
            """;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void seccompAllowsSocketFamiliesByListAndBlocksRiskyKernelInterfaces(boolean root) {
        Sandbox s = sandboxes.create();
        CommandResult r = s.commands().run(Command.builder("python3", "-c", SYSCALL_PROBE).user(root ? Command.ROOT : "user").build());
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        Map<String, String> got = new TreeMap<>();
        r.stdout().lines().map(l -> l.split("=", 2)).forEach(kv -> got.put(kv[0], kv[1]));
        for (String call : new String[] {"io_uring_setup", "userfaultfd", "perf_event_open", "modify_ldt", "kexec_load", "bpf", "lookup_dcookie"}) {
            if (call.equals("modify_ldt") && !got.containsKey(call)) continue; // x86 only
            assertThat(got.get(call)).as(call).isIn("EPERM", "ENOSYS");
        }
        got.forEach((k, v) -> {
            if (k.startsWith("af_") && !k.equals("af_unix") && !k.startsWith("af_inet")) assertThat(v).as(k).isEqualTo("EAFNOSUPPORT");
        });
        assertThat(got).containsEntry("af_unix", "ok").containsEntry("af_inet", "ok").containsEntry("af_inet6", "ok")
                .containsEntry("netlink_route", "ok").containsEntry("socketpair_unix", "ok")
                .containsEntry("netlink_audit", "EPROTONOSUPPORT").containsEntry("netlink_uevent", "EPROTONOSUPPORT");
        // ordinary programs are unaffected: a TCP server and client over loopback, route queries
        assertThat(sh(s, "python3 -c \"import socket;a=socket.create_server(('127.0.0.1',0));b=socket.create_connection(a.getsockname());"
                + "c,_=a.accept();b.sendall(b'hi');print(c.recv(2).decode())\" && ip -o addr show lo | grep -c 127.0.0.1", root).stdout())
                .isEqualTo("hi\n1\n");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void kernelSymbolsKeysAndMachineWideTimersAreMasked(boolean root) {
        Sandbox s = sandboxes.create();
        for (String f : new String[] {"/proc/keys", "/proc/kallsyms", "/proc/sched_debug", "/proc/timer_list", "/proc/key-users"}) {
            if (!Files.exists(Path.of(f))) continue;
            CommandResult r = sh(s, "wc -c < " + f + " 2>/dev/null || echo 0", root);
            assertThat(r.stdout().trim()).as(f).isEqualTo("0");
        }
        // and the masks cannot be written through or removed
        assertThat(sh(s, "echo x > /proc/kallsyms 2>/dev/null && echo WROTE; umount /proc/kallsyms 2>/dev/null && echo UNMOUNTED", root).stdout()).isEmpty();
    }

    /** Every uid (real, effective, saved, fs) of every process in the sandbox's cgroup, as the host sees them. */
    static Set<Long> hostUids(Sandbox s) throws IOException {
        Set<Long> uids = new TreeSet<>();
        for (String pid : Files.readAllLines(LimitsTest.cgroupFile(s, "memory", "cgroup.procs"))) {
            if (pid.isBlank()) continue;
            try {
                for (String line : Files.readAllLines(Path.of("/proc", pid.trim(), "status"))) {
                    if (line.startsWith("Uid:") || line.startsWith("Gid:")) {
                        for (String id : line.substring(4).trim().split("\\s+")) uids.add(Long.parseLong(id));
                    }
                }
            } catch (NoSuchFileException gone) {
                // ended meanwhile
            }
        }
        return uids;
    }

    @Test
    void eachSandboxRunsAsItsOwnRangeOfHostUids() throws IOException {
        Sandbox a = sandboxes.create();
        Sandbox b = sandboxes.create();
        for (Sandbox s : new Sandbox[] {a, b}) {
            s.commands().start(Command.of("sleep", "600"));
            s.commands().start(Command.builder("sleep", "601").asRoot().build());
            // inside, the ids are the usual ones
            assertThat(sh(s, "id", false).stdout()).isEqualTo("uid=1000(user) gid=1000(user) groups=1000(user)\n");
            assertThat(sh(s, "id -u; id -g", true).stdout()).isEqualTo("0\n0\n");
            // the template's files are the sandbox root's, the workspace is the user's
            assertThat(sh(s, "stat -c '%U:%G' /usr/bin/env /etc/passwd /workspace /tmp", false).stdout())
                    .isEqualTo("root:root\nroot:root\nuser:user\nroot:root\n");
            String map = sh(s, "cat /proc/self/uid_map", false).stdout().trim();
            assertThat(map).matches("0\\s+\\d+\\s+65536");
        }
        TestSandboxes.await("both sandboxes' sleepers to run", Duration.ofSeconds(10), () -> {
            try {
                return hostUids(a).size() >= 2 && hostUids(b).size() >= 2; // root and user of each
            } catch (IOException e) {
                return false;
            }
        });
        Set<Long> ua = hostUids(a);
        Set<Long> ub = hostUids(b);
        for (Set<Long> u : List.of(ua, ub)) {
            assertThat(u).doesNotContain(0L, 1000L).allSatisfy(id -> assertThat(id)
                    .isBetween(UidRanges.DEFAULT.first(), UidRanges.DEFAULT.end() - 1));
        }
        assertThat(ua).doesNotContainAnyElementsOf(ub);
        // root inside is not host root: host root's files stay closed to it
        assertThat(sh(a, "cat /proc/1/root/etc/shadow 2>&1; ls /proc/1/root/root 2>&1 | head -1", true).stdout()).doesNotContain("root:");
    }

    @Test
    void uidRangesRunOutWithATypedErrorAndComeBackWhenASandboxEnds() throws Exception {
        // a private pair of ranges above the default ones, chosen at random so parallel runs do not meet
        long first = UidRanges.DEFAULT.end() + (long) new Random().nextInt(30) * 3 * 65536;
        Path home = Files.createTempDirectory(Path.of("/tmp"), "abx-");
        SandboxProvider two = new LocalSandboxProvider(home, new UidRanges(first, 2));
        try {
            SandboxSpec spec = SandboxSpec.builder().timeout(Duration.ofMinutes(2)).build();
            Sandbox s1 = two.create(spec);
            Sandbox s2 = two.create(spec);
            assertThatThrownBy(() -> two.create(spec)).isInstanceOf(SandboxCapacityException.class)
                    .hasMessageContaining("uid range");
            assertThat(two.list(SandboxQuery.ALL)).hasSize(2);
            // a sandbox that ends gives its range back
            s1.kill();
            Sandbox s3 = two.create(spec);
            assertThat(sh(s3, "id -u", false).stdout()).isEqualTo("1000\n");
            // so does one whose supervisor dies without cleaning up
            long supervisor = Long.parseLong(Files.readString(home.resolve("sandboxes").resolve(s2.id()).resolve("pid")).trim());
            ProcessHandle.of(supervisor).orElseThrow().destroyForcibly();
            Sandbox[] s4 = new Sandbox[1];
            TestSandboxes.await("the dead sandbox's range to be free again", Duration.ofSeconds(20), () -> {
                try {
                    s4[0] = two.create(spec);
                    return true;
                } catch (SandboxCapacityException busy) {
                    return false;
                }
            });
            assertThat(sh(s4[0], "echo alive", false).stdout()).isEqualTo("alive\n");
        } finally {
            for (SandboxInfo info : two.list(SandboxQuery.ALL)) two.kill(info.id());
            try (var files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void noHostDevicesSocketsOrRun() {
        Sandbox s = sandboxes.create();
        assertThat(sh(s, "ls /dev", true).stdout().lines().toList())
                .doesNotContain("sda", "vda", "mem", "kmem", "kmsg", "port", "loop0", "fuse", "net", "kvm")
                .contains("null", "zero", "urandom");
        assertThat(sh(s, "ls -A /run", true).stdout().trim()).isEqualTo("agentbox");
        assertThat(sh(s, "find / -xdev -type s 2>/dev/null | head", true).stdout()).isEmpty();
        assertThat(sh(s, "ls -A /sys 2>/dev/null", true).stdout()).isEmpty();
    }

    @Test
    void setuidProgramsGrantNothing() {
        Sandbox s = sandboxes.create();
        // the sandbox's root plants a setuid-root shell where the user can run it
        assertThat(sh(s, "cp /bin/bash /tmp/rootsh && chmod 4755 /tmp/rootsh && stat -c '%u %a' /tmp/rootsh", true).stdout()).isEqualTo("0 4755\n");
        CommandResult r = sh(s, "/tmp/rootsh -p -c 'id -u' 2>&1", false);
        assertThat(r.stdout().trim()).isEqualTo("1000");
    }
}
