package io.agentbox.sandbox.local;

import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.Pool;
import io.agentbox.sandbox.PooledSandboxProvider;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxCapacityException;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxNotFoundException;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.SecretInjection;
import io.agentbox.sandbox.net.Egress;
import io.agentbox.sandbox.net.EgressSettings;
import io.agentbox.sandbox.net.NetworkConfig;
import io.agentbox.sandbox.net.SandboxCa;
import io.agentbox.sandbox.template.TemplateInfo;
import io.agentbox.sandbox.template.Templates;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Sandboxes on this machine with bubblewrap. Each sandbox is a directory under
 * {@code <home>/sandboxes/<id>} holding its control socket, its state and a lock held by its
 * supervisor for as long as it lives; any process of the machine can address it by id.
 */
public final class LocalSandboxProvider implements SandboxProvider {
    private static final String ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final int ID_LENGTH = 20;
    /** A state directory without a live supervisor is only swept once it is this old (it may be starting). */
    private static final Duration STALE_AFTER = Duration.ofSeconds(30);

    private final SecureRandom random = new SecureRandom();
    private final Path home;
    private final Path sandboxes;
    private final Templates templates;
    private final UidRanges uidRanges;
    private volatile Runtime runtime;
    /** Machine-wide, not per data dir: two providers on different homes must not share a uid range. */
    static final Path UID_SLOTS = Path.of("/run/agentbox/uid-slots");
    /** A mount point that exists only inside each sandbox's own mount namespace (see BwrapCommandLine). */
    static final Path STAGE = Path.of("/run/agentbox/stage");

    /** What creating sandboxes needs from the machine; checked on first use, not at construction. */
    private record Runtime(Path bwrap, Path init, Cgroups cgroups, Path hostEtc, Path resolvConf) {}

    public LocalSandboxProvider(Path home) {
        this(home, UidRanges.DEFAULT);
    }

    public LocalSandboxProvider(Path home, UidRanges uidRanges) {
        this.uidRanges = uidRanges;
        this.home = home.toAbsolutePath().normalize();
        this.sandboxes = this.home.resolve("sandboxes");
        this.templates = new Templates(this.home);
        int socketPath = sandboxes.toString().length() + 1 + 4 + ID_LENGTH + "/ctl.sock".length();
        if (socketPath >= 108) {
            throw new SandboxException("the data directory path is too long for unix sockets (" + this.home
                    + "); use a shorter AGENTBOX_HOME (at most ~60 characters)");
        }
    }

    public Path home() {
        return home;
    }

    private Runtime runtime() {
        Runtime r = runtime;
        if (r != null) return r;
        synchronized (this) {
            if (runtime == null) {
                if (!"root".equals(System.getProperty("user.name"))) {
                    throw new SandboxException("local sandboxes need root (for cgroup limits and mounts); run agentbox as root");
                }
                Path bwrap = findBwrap().orElseThrow(() -> new SandboxException(
                        "bubblewrap is not installed: install it with 'apt-get install bubblewrap'"));
                Cgroups cgroups = Cgroups.detect(Path.of("/sys/fs/cgroup")).orElseThrow(() -> new SandboxException(
                        "no usable cgroup hierarchy with memory, pids and cpu controllers under /sys/fs/cgroup"));
                try {
                    Files.createDirectories(sandboxes);
                    runtime = new Runtime(bwrap, NativeInit.ensure(home), cgroups, HostEtc.ensure(home), resolvConf());
                } catch (IOException e) {
                    throw new SandboxException("cannot prepare " + home + ": " + e.getMessage(), e);
                }
                sweep();
            }
            return runtime;
        }
    }

    private static Optional<Path> findBwrap() {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("") + ":/usr/bin:/usr/local/bin:/bin";
        return Stream.of(path.split(":")).filter(s -> !s.isEmpty()).map(d -> Path.of(d, "bwrap"))
                .filter(Files::isExecutable).findFirst();
    }

    @Override
    public Sandbox create(SandboxSpec spec) {
        return create(spec, Optional.empty());
    }

    @Override
    public PooledSandboxProvider withPool(Pool... pools) {
        return new LocalSandboxPool(this, List.of(pools));
    }

    /** A sandbox made for a warm pool: owned by {@code owner}, hidden from list and connect until handed out. */
    LocalSandbox createPooled(SandboxSpec spec, String owner) {
        return create(spec, Optional.of(owner));
    }

    Optional<TemplateInfo> template(String name) {
        return templates.resolve(name);
    }

    Cgroups cgroups() {
        return runtime().cgroups();
    }

    /** The spec's environment as commands get it, without secrets (the proxy variables of {@code allow} included). */
    static Map<String, String> specEnv(SandboxSpec spec) {
        Map<String, String> env = new LinkedHashMap<>(spec.env());
        if (spec.network() instanceof NetworkPolicy.Allow) {
            // for clients that honour proxy variables; the others are diverted transparently
            for (String v : List.of("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")) env.putIfAbsent(v, Egress.PROXY_URL);
            for (String v : List.of("NO_PROXY", "no_proxy")) env.putIfAbsent(v, "localhost,127.0.0.1,::1");
        }
        return env;
    }

    private LocalSandbox create(SandboxSpec spec, Optional<String> poolOwner) {
        TemplateInfo template = templates.resolve(spec.template()).orElseThrow(() -> new SandboxException(
                "unknown template '" + spec.template() + "' (build it with 'agentbox template build FILE.toml'; 'host' is built in)"));
        for (SandboxSpec.Mount m : spec.mounts()) {
            if (!Files.isDirectory(m.hostPath())) throw new SandboxException("cannot mount " + m.hostPath() + " at " + m.sandboxPath() + ": not a directory");
        }
        Runtime rt = runtime();
        String id = newId();
        Path dir = sandboxes.resolve(id);
        Instant now = Instant.now();
        boolean networked = !(spec.network() instanceof NetworkPolicy.None);
        // a JVM of its own that may not be running yet: start it now, beside the CA and the launch
        // (the wiring below waits for it and reports a failure)
        if (networked) Thread.ofVirtual().name("agentbox-egress-start").start(() -> {
            try {
                Egress.ensureRunning(home);
            } catch (RuntimeException e) {
                // reported by the wiring's own ensureRunning
            }
        });
        Map<String, String> env = new LinkedHashMap<>(spec.env());
        List<String[]> secretValues = new ArrayList<>();
        for (SecretInjection s : spec.secrets()) {
            String value = s.resolve().orElseThrow(() -> new SandboxException(
                    "secret " + s + ": the host-side environment variable " + s.env() + " is not set"));
            secretValues.add(new String[] {s.host(), s.header(), value});
            env.putIfAbsent(s.env(), s.placeholder());
        }
        specEnv(spec).forEach(env::putIfAbsent);
        Optional<SandboxCa> ca = Optional.empty();
        BwrapCommandLine.NetMounts mounts = new BwrapCommandLine.NetMounts(
                template.rootfs().isEmpty() || networked ? Optional.of(rt.resolvConf()) : Optional.empty(), Optional.empty(), Optional.empty());
        // the CA only serves TLS to secret hosts; routes take plain HTTP alone, so secrets that all
        // belong to routes (the claude-code runtime's model key) need none, and skip its key generation
        if (spec.secrets().stream().anyMatch(x -> !spec.routes().containsKey(x.host()))) {
            ca = Optional.of(SandboxCa.generate(id));
            mounts = caMounts(id, ca.get(), template.rootfs().orElse(null), rt.hostEtc(), mounts.resolvConf());
            env.putIfAbsent("NODE_EXTRA_CA_CERTS", BwrapCommandLine.NetMounts.CA_IN_SANDBOX);
            env.putIfAbsent("SSL_CERT_FILE", BwrapCommandLine.NetMounts.SYSTEM_BUNDLE);
            env.putIfAbsent("REQUESTS_CA_BUNDLE", BwrapCommandLine.NetMounts.SYSTEM_BUNDLE);
            env.putIfAbsent("CURL_CA_BUNDLE", BwrapCommandLine.NetMounts.SYSTEM_BUNDLE);
        }
        SandboxState state = new SandboxState(id, spec.template(), now, now.plus(spec.timeout()), spec.metadata(),
                env, template.env(), spec.resources(), spec.network().name(), spec.workdir(), poolOwner);
        BwrapCommandLine bwrap = new BwrapCommandLine(rt.bwrap(), template.rootfs(), rt.hostEtc(), STAGE,
                rt.init(), spec.network(), spec.timeout(), mounts, spec.mounts());
        LocalSandbox sandbox = start(dir, state, bwrap, spec, ca, secretValues, EgressSettings.fromEnvironment());
        try {
            // the writable home hides the template's; start it with the template's files (dotfiles, config)
            Optional<Path> skeleton = template.rootfs().map(r -> r.resolve("home/user")).filter(LocalSandboxProvider::hasEntries);
            if (skeleton.isPresent()) sandbox.files().copyIn(skeleton.get(), "/home/user");
            if (!spec.workdir().equals(SandboxSpec.DEFAULT_WORKDIR)) sandbox.files().mkdir(spec.workdir());
            LocalCommands.writeFastPath(dir, state, rt.cgroups().oomCounter(id));
            Files.createSymbolicLink(dir.resolve("init"), rt.init());
        } catch (RuntimeException | IOException e) {
            sandbox.kill();
            throw new SandboxException("cannot prepare sandbox " + id + ": " + e.getMessage(), e);
        }
        return sandbox;
    }

    /**
     * A sandbox that builds a template (for {@link Templates}): {@code rootfs}, the root filesystem being
     * built, is its writable root, idmapped like a template so that what the sandbox's root writes there
     * is owned by host uid 0 on disk (and its uid N by host uid N), exactly what sandboxes of the finished
     * template expect; commands as root keep only the capabilities dpkg, apt and npm need. Everything else
     * is a sandbox's confinement: its own user namespace on a uid slot, seccomp, a private network
     * namespace wired to the egress with {@code spec}'s policy, cgroup limits. {@code spec}'s template is
     * only a label. {@code trustBundle}, when present, is seen read-only at {@value BwrapCommandLine.NetMounts#CA_IN_SANDBOX}
     * (the host's roots, for builds whose registries are reached through a TLS-inspecting path).
     * {@code proxyCidrs} are private ranges this sandbox alone may reach besides the operator's: the
     * host-configured proxy the build's steps are told to use.
     */
    public Sandbox createTemplateBuild(Path rootfs, SandboxSpec spec, Optional<Path> trustBundle, List<String> proxyCidrs) {
        Runtime rt = runtime();
        String id = newId();
        Path dir = sandboxes.resolve(id);
        Instant now = Instant.now();
        boolean networked = !(spec.network() instanceof NetworkPolicy.None);
        BwrapCommandLine.NetMounts mounts = new BwrapCommandLine.NetMounts(
                networked ? Optional.of(rt.resolvConf()) : Optional.empty(), trustBundle, Optional.empty());
        SandboxState state = new SandboxState(id, spec.template(), now, now.plus(spec.timeout()), spec.metadata(),
                spec.env(), Map.of(), spec.resources(), spec.network().name(), "/", Optional.empty());
        BwrapCommandLine bwrap = BwrapCommandLine.forBuild(rt.bwrap(), rootfs.toAbsolutePath().normalize(), STAGE, rt.init(),
                spec.network(), spec.timeout(), mounts);
        EgressSettings operator = EgressSettings.fromEnvironment();
        List<String> cidrs = new ArrayList<>(operator.allowCidrs());
        proxyCidrs.stream().filter(c -> !cidrs.contains(c)).forEach(cidrs::add);
        return start(dir, state, bwrap, spec, Optional.empty(), List.of(),
                new EgressSettings(operator.hostsFile(), operator.caFile(), cidrs));
    }

    private LocalSandbox start(Path dir, SandboxState state, BwrapCommandLine bwrap, SandboxSpec spec,
                               Optional<SandboxCa> ca, List<String[]> secretValues, EgressSettings settings) {
        Runtime rt = runtime();
        String id = state.id();
        boolean networked = !(spec.network() instanceof NetworkPolicy.None);
        List<String> cmd = new ArrayList<>(List.of(rt.init().toString(), "launch", "--state", dir.toString(),
                "--rw-size", String.valueOf(spec.resources().diskMb() << 20),
                "--uid", String.valueOf(BwrapCommandLine.SANDBOX_UID), "--gid", String.valueOf(BwrapCommandLine.SANDBOX_GID),
                "--uid-base", String.valueOf(uidRanges.first()), "--uid-slots", String.valueOf(uidRanges.slots()),
                "--slot-dir", UID_SLOTS.toString(), "--stage", STAGE.toString()));
        for (String m : bwrap.stagedMounts()) cmd.addAll(List.of("--idmap", m));
        for (Path cg : rt.cgroups().dirs(id)) cmd.addAll(List.of("--cgroup", cg.toString()));
        for (Cgroups.Setting s : rt.cgroups().settings(id, spec.resources())) cmd.addAll(List.of("--cgset", s.arg()));
        cmd.add("--");
        cmd.addAll(bwrap.argv());
        launch(cmd, state.toJson());

        LocalSandbox sandbox = new LocalSandbox(this, dir, state, rt.cgroups());
        try {
            if (networked) {
                if (ca.isPresent()) ca.get().writePrivate(dir);
                Egress.writeRules(dir, spec.secrets(), spec.routes());
                new NetworkConfig(spec.network(), spec.auditAll(), settings).write(dir);
                long supervisor = Long.parseLong(Files.readString(dir.resolve("pid")).trim());
                if (!secretValues.isEmpty()) Egress.sendSecrets(home, id, secretValues);
                Egress.ensureRunning(home);
                Egress.wire(home, runtime().init(), id, supervisor);
            }
        } catch (RuntimeException | IOException e) {
            sandbox.kill();
            throw new SandboxException("cannot prepare sandbox " + id + ": " + e.getMessage(), e);
        }
        return sandbox;
    }

    /** The per-sandbox CA files the sandbox sees (public only: the key stays in the state directory). */
    private BwrapCommandLine.NetMounts caMounts(String id, SandboxCa ca, Path rootfs, Path hostEtc, Optional<Path> resolv) {
        try {
            Path d = home.resolve("net").resolve(id);
            Files.createDirectories(d);
            Path cert = d.resolve("ca.crt");
            Files.writeString(cert, ca.certPem());
            Path etc = rootfs == null ? hostEtc : rootfs.resolve("etc");
            Path system = etc.resolve("ssl/certs/ca-certificates.crt");
            Optional<Path> bundle = Optional.empty();
            if (Files.isRegularFile(system)) {
                Path b = d.resolve("ca-bundle.crt");
                Files.writeString(b, Files.readString(system) + "\n" + ca.certPem());
                bundle = Optional.of(b);
            }
            return new BwrapCommandLine.NetMounts(resolv, Optional.of(cert), bundle);
        } catch (IOException e) {
            throw new SandboxException("cannot write the sandbox's CA: " + e.getMessage(), e);
        }
    }

    /** Starts the egress if needed and wires the sandbox's network namespace to it. */
    private void wire(Path dir, String id) throws IOException {
        long supervisor = Long.parseLong(Files.readString(dir.resolve("pid")).trim());
        Egress.ensureRunning(home);
        Egress.wire(home, runtime().init(), id, supervisor);
    }

    /** A live policy change; a sandbox created without a network is wired on its first one. */
    void setNetwork(Path dir, String id, NetworkPolicy policy) {
        try {
            Optional<NetworkConfig> current = NetworkConfig.read(dir);
            if (current.isEmpty() && policy instanceof NetworkPolicy.None) return;
            NetworkConfig next = current.map(c -> c.withPolicy(policy))
                    .orElseGet(() -> new NetworkConfig(policy, false, EgressSettings.fromEnvironment()));
            next.write(dir);
            if (current.isEmpty()) wire(dir, id); else Egress.ensureRunning(home);
        } catch (IOException e) {
            throw new SandboxException("cannot change the network of " + id + ": " + e.getMessage(), e);
        }
    }

    private Path resolvConf() throws IOException {
        Path f = home.resolve("net").resolve("resolv.conf");
        if (!Files.exists(f) || !Files.readString(f).equals(Egress.RESOLV_CONF)) {
            Files.createDirectories(f.getParent());
            Path tmp = Files.createTempFile(f.getParent(), ".resolv", ".tmp");
            Files.writeString(tmp, Egress.RESOLV_CONF);
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return f;
    }

    private static boolean hasEntries(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    private static void launch(List<String> cmd, byte[] stateJson) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // nothing of this process's environment may reach the sandbox (bwrap's PID 1 would keep it)
        pb.environment().clear();
        try {
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                in.write(stateJson);
            } catch (IOException brokenPipe) {
                // the launcher refused before reading its state (no free uid range, bad config):
                // its exit code and stderr say why, so fall through to read them
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new SandboxException("sandbox launch timed out");
            }
            if (p.exitValue() == 3) throw new SandboxCapacityException(err.lines().findFirst().orElse("no free sandbox uid range"));
            if (p.exitValue() != 0 || !out.startsWith("ok")) {
                throw new SandboxException("cannot create sandbox: " + (err.isEmpty() ? "launcher exited with " + p.exitValue() : err.lines().findFirst().orElse(err)));
            }
        } catch (IOException e) {
            throw new SandboxException("cannot start the sandbox launcher: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while creating a sandbox", e);
        }
    }

    private String newId() {
        StringBuilder sb = new StringBuilder("sbx_");
        for (int i = 0; i < ID_LENGTH; i++) sb.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
        return sb.toString();
    }

    @Override
    public Sandbox connect(String id) {
        Runtime rt = runtime();
        Path dir = dirOf(id).orElseThrow(() -> new SandboxNotFoundException(id));
        if (!isAlive(dir)) throw new SandboxNotFoundException(id);
        try {
            SandboxState state = SandboxState.read(dir.resolve("sandbox.json"));
            if (state.pool().isPresent()) throw new SandboxNotFoundException(id);
            return new LocalSandbox(this, dir, state, rt.cgroups());
        } catch (IOException e) {
            throw new SandboxNotFoundException(id);
        }
    }

    @Override
    public List<SandboxInfo> list(SandboxQuery query) {
        runtime();
        List<SandboxInfo> result = new ArrayList<>();
        for (Path dir : stateDirs()) {
            if (!isAlive(dir)) {
                reapIfStale(dir);
                continue;
            }
            try {
                SandboxState state = SandboxState.read(dir.resolve("sandbox.json"));
                if (state.pool().isPresent()) continue; // ready in a warm pool, nobody's yet
                SandboxInfo info = state.info(dir);
                if (query.matches(info)) result.add(info);
            } catch (IOException e) {
                // still starting, or ended between the two reads
            }
        }
        result.sort(Comparator.comparing(SandboxInfo::createdAt).thenComparing(SandboxInfo::id));
        return result;
    }

    @Override
    public boolean kill(String id) {
        runtime();
        Optional<Path> dir = dirOf(id);
        return dir.isPresent() && kill(dir.get());
    }

    /** Ends the sandbox and returns once its supervisor has removed every trace of it. */
    boolean kill(Path dir) {
        try {
            return killSandbox(dir);
        } finally {
            // the supervisor removes only the files it made; a networked sandbox's egress config is left
            if (Files.isDirectory(dir) && !isAlive(dir)) {
                try {
                    HostFiles.deleteTree(dir);
                } catch (IOException e) {
                    // the next sweep retries
                }
            }
            Path net = home.resolve("net").resolve(dir.getFileName().toString());
            if (Files.exists(net)) {
                try {
                    HostFiles.deleteTree(net);
                } catch (IOException e) {
                    // the next sweep retries
                }
            }
        }
    }

    private boolean killSandbox(Path dir) {
        Path lockFile = dir.resolve("lock");
        try (FileChannel lock = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            if (tryLock(lock)) {
                reap(dir); // it was already dead; finish what its supervisor could not
                return false;
            }
            try (ControlConnection c = ControlConnection.open(dir.resolve("ctl.sock"), dir.getFileName().toString())) {
                c.send('Q');
            } catch (RuntimeException e) {
                // init is gone already; its supervisor is cleaning up
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // the supervisor's cleanup takes a few milliseconds: poll finely (a probe is one fcntl)
            long pause = 100_000;
            while (System.nanoTime() < deadline) {
                if (tryLock(lock)) return true;
                java.util.concurrent.locks.LockSupport.parkNanos(pause);
                pause = Math.min(pause + 100_000, 2_000_000);
            }
            killSupervisor(dir);
            return true;
        } catch (NoSuchFileException e) {
            return false; // removed by its supervisor meanwhile
        } catch (IOException e) {
            throw new SandboxException("cannot kill sandbox " + dir.getFileName() + ": " + e.getMessage(), e);
        }
    }

    private static boolean tryLock(FileChannel ch) throws IOException {
        try {
            FileLock l = ch.tryLock();
            if (l == null) return false;
            l.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false; // another thread of this JVM is waiting on the same sandbox
        }
    }

    private void killSupervisor(Path dir) {
        try {
            long pid = Long.parseLong(Files.readString(dir.resolve("pid")).trim());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        } catch (IOException | NumberFormatException e) {
            // nothing more we can do; the next sweep cleans up
        }
        reap(dir);
    }

    /** Live sandboxes still waiting in some warm pool, of any owner. */
    List<LocalSandbox> pooled() {
        Runtime rt = runtime();
        List<LocalSandbox> out = new ArrayList<>();
        for (Path dir : stateDirs()) {
            try {
                SandboxState state = SandboxState.read(dir.resolve("sandbox.json"));
                if (state.pool().isPresent() && isAlive(dir)) out.add(new LocalSandbox(this, dir, state, rt.cgroups()));
            } catch (IOException e) {
                // starting or ended
            }
        }
        return out;
    }

    Optional<Path> dirOf(String id) {
        if (id == null || !id.matches("sbx_[a-z0-9]{8,64}")) return Optional.empty();
        Path dir = sandboxes.resolve(id);
        return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
    }

    /** A sandbox is alive exactly while its supervisor holds the lock. */
    static boolean isAlive(Path dir) {
        try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.WRITE)) {
            return !tryLock(ch);
        } catch (IOException e) {
            return false;
        }
    }

    private List<Path> stateDirs() {
        try (Stream<Path> s = Files.list(sandboxes)) {
            return s.filter(p -> p.getFileName().toString().startsWith("sbx_")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Cleans up after sandboxes whose supervisor died (a crash, a reboot). */
    private void sweep() {
        for (Path dir : stateDirs()) {
            if (!isAlive(dir)) reapIfStale(dir);
        }
        // CA files of sandboxes that ended without anyone reaping them
        try (Stream<Path> s = Files.list(home.resolve("net"))) {
            for (Path d : s.filter(p -> p.getFileName().toString().startsWith("sbx_")).toList()) {
                if (!Files.exists(sandboxes.resolve(d.getFileName().toString()))) HostFiles.deleteTree(d);
            }
        } catch (IOException e) {
            // nothing to sweep
        }
    }

    private void reapIfStale(Path dir) {
        try {
            Instant modified = Files.getLastModifiedTime(dir).toInstant();
            if (modified.plus(STALE_AFTER).isBefore(Instant.now())) reap(dir);
        } catch (IOException e) {
            // gone already
        }
    }

    /** Removes what a dead sandbox left: its processes and cgroups, its directory. */
    private void reap(Path dir) {
        String id = dir.getFileName().toString();
        Runtime rt = runtime;
        if (rt != null) {
            List<Path> dirs = rt.cgroups().dirs(id).reversed();
            killCgroups(rt.init(), dirs);
            for (Path d : dirs) {
                try {
                    Files.deleteIfExists(d);
                } catch (IOException e) {
                    // still busy; the next sweep retries
                }
            }
        }
        try {
            HostFiles.deleteTree(dir);
            Path net = home.resolve("net").resolve(id);
            if (Files.exists(net)) HostFiles.deleteTree(net);
        } catch (IOException e) {
            // the next sweep retries
        }
    }

    /**
     * Kills what is left in a dead sandbox's cgroups through the native helper: cgroup.kill on v2,
     * pidfd-pinned signals on v1, never a bare PID that a host process may have taken over.
     */
    private static void killCgroups(Path init, List<Path> dirs) {
        List<String> cmd = new ArrayList<>(List.of(init.toString(), "killcg"));
        for (Path d : dirs) {
            if (Files.isDirectory(d)) cmd.add(d.toString());
        }
        if (cmd.size() == 2) return;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        } catch (IOException e) {
            // the next sweep retries
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Environment every command starts from; the template's, the spec's and the command's own go on top. */
    static Map<String, String> baseEnv(boolean root) {
        return Map.of(
                "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "HOME", root ? "/root" : "/home/user",
                "USER", root ? "root" : "user",
                "LOGNAME", root ? "root" : "user",
                "SHELL", "/bin/bash",
                "LANG", "C.UTF-8",
                "TMPDIR", "/tmp");
    }
}
