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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
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
    private final SecureRandom random = new SecureRandom();
    private final Path home;
    private final Path sandboxes;
    private final Templates templates;
    private final UidRanges uidRanges;
    private final SandboxDirs dirs;
    private volatile HostRuntime runtime;
    /** Machine-wide, not per data dir: two providers on different homes must not share a uid range. */
    static final Path UID_SLOTS = Path.of("/run/agentbox/uid-slots");
    /** A mount point that exists only inside each sandbox's own mount namespace (see BwrapCommandLine). */
    static final Path STAGE = Path.of("/run/agentbox/stage");


    public LocalSandboxProvider(Path home) {
        this(home, UidRanges.DEFAULT);
    }

    public LocalSandboxProvider(Path home, UidRanges uidRanges) {
        this.uidRanges = uidRanges;
        this.home = home.toAbsolutePath().normalize();
        this.sandboxes = this.home.resolve("sandboxes");
        this.templates = new Templates(this.home);
        this.dirs = new SandboxDirs(this.home, sandboxes);
        int socketPath = sandboxes.toString().length() + 1 + 4 + ID_LENGTH + "/ctl.sock".length();
        if (socketPath >= 108) {
            throw new SandboxException("the data directory path is too long for unix sockets (" + this.home
                    + "); use a shorter AGENTBOX_HOME (at most ~60 characters)");
        }
    }

    public Path home() {
        return home;
    }

    private HostRuntime runtime() {
        HostRuntime r = runtime;
        if (r != null) return r;
        synchronized (this) {
            if (runtime == null) {
                runtime = HostRuntime.prepare(home, sandboxes);
                dirs.sweep(runtime);
            }
            return runtime;
        }
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
        HostRuntime rt = runtime();
        String id = newId();
        Path dir = sandboxes.resolve(id);
        Instant now = Instant.now();
        boolean networked = !(spec.network() instanceof NetworkPolicy.None);
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
        if (!secretValues.isEmpty()) {
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
        HostRuntime rt = runtime();
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
        HostRuntime rt = runtime();
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
                if (!secretValues.isEmpty()) Egress.sendSecrets(home, id, secretValues);
                wire(dir, id);
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
        HostRuntime rt = runtime();
        Path dir = dirs.dirOf(id).orElseThrow(() -> new SandboxNotFoundException(id));
        if (!SandboxDirs.isAlive(dir)) throw new SandboxNotFoundException(id);
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
        HostRuntime rt = runtime();
        List<SandboxInfo> result = new ArrayList<>();
        for (Path dir : dirs.all()) {
            if (!SandboxDirs.isAlive(dir)) {
                dirs.reapIfStale(dir, rt);
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
        Optional<Path> dir = dirs.dirOf(id);
        return dir.isPresent() && kill(dir.get());
    }

    /** Ends the sandbox and returns once its supervisor has removed every trace of it. */
    boolean kill(Path dir) {
        return dirs.kill(dir, runtime());
    }

    /** Live sandboxes still waiting in some warm pool, of any owner. */
    List<LocalSandbox> pooled() {
        HostRuntime rt = runtime();
        List<LocalSandbox> out = new ArrayList<>();
        for (Path dir : dirs.all()) {
            try {
                SandboxState state = SandboxState.read(dir.resolve("sandbox.json"));
                if (state.pool().isPresent() && SandboxDirs.isAlive(dir)) out.add(new LocalSandbox(this, dir, state, rt.cgroups()));
            } catch (IOException e) {
                // starting or ended
            }
        }
        return out;
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
