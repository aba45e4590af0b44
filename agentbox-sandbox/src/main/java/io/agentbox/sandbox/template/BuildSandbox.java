package io.agentbox.sandbox.template;

import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.ExitReason;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.OutputListener;
import io.agentbox.sandbox.Resources;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.local.LocalSandboxProvider;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where a build's steps run: one sandbox per build, whose writable root is the rootfs being built
 * ({@link LocalSandboxProvider#createTemplateBuild}). A step as root there is root only in the
 * sandbox's own user namespace, with the few capabilities dpkg, apt and npm need, under the sandbox
 * seccomp filter, in its own session and PID namespace, with no host mount but the rootfs and no
 * network but the sandbox egress ({@code open}: the internet, never the host). So a hostile package
 * script can spoil the template it is building, and nothing else.
 */
final class BuildSandbox implements AutoCloseable {
    /** The build's network: the registries (apt mirrors, npm, pip, git hosts of {@code run}) but never the host. */
    static final NetworkPolicy NETWORK = NetworkPolicy.open();
    /** The host's roots (with whatever the operator added), for registries behind a TLS-inspecting path. */
    private static final Path HOST_ROOTS = Path.of("/etc/ssl/certs/ca-certificates.crt");
    private static final String ROOTS_IN_SANDBOX = "/run/agentbox/ca.crt";
    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** A build may take long (npm trees, compilers); the sandbox outlives any reasonable one. */
    private static final Duration LIFETIME = Duration.ofHours(12);
    /** Where the file copy step's sources are unpacked, in the build's private /tmp. */
    static final String FILES_DIR = "/tmp/agentbox-files";
    /** The metadata key that marks a build's sandbox, with the rootfs it builds. */
    static final String BUILD_KEY = "agentbox.template-build";

    private final Sandbox sandbox;
    private final Map<String, String> proxyEnv;

    private BuildSandbox(Sandbox sandbox, Map<String, String> proxyEnv) {
        this.sandbox = sandbox;
        this.proxyEnv = proxyEnv;
    }

    /**
     * Starts the sandbox of a build over {@code rootfs}. The host's proxy variables, if any, are passed
     * to the steps: a proxy reached through the egress stays confined like every other destination (one
     * on a private address needs {@code AGENTBOX_EGRESS_ALLOW_CIDRS}; one on the host's loopback is out of
     * reach by design).
     */
    static BuildSandbox start(Path home, String template, Path rootfs, Map<String, String> proxyEnv) {
        // not interruptible half-way: a launch cut short could leave a running sandbox nobody knows of
        return uninterruptibly(() -> launch(home, template, rootfs, proxyEnv));
    }

    /**
     * Runs {@code action} to its end on a thread of its own, which a cancel does not interrupt (an interrupt
     * closes the sockets and file channels that starting or killing a sandbox goes through); the caller's
     * interrupt is kept for after.
     */
    static <T> T uninterruptibly(Supplier<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().name("agentbox-template-build-sandbox").start(() -> {
            try {
                result.complete(action.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    if (e.getCause() instanceof Error err) throw err;
                    throw new SandboxException("template build sandbox: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /**
     * Kills every build sandbox over {@code rootfs} (the work directory is unique to one build): what a
     * launch interrupted at the wrong moment may have left running.
     */
    static void killAll(Path home, Path rootfs) {
        uninterruptibly(() -> {
            LocalSandboxProvider provider = new LocalSandboxProvider(home);
            for (SandboxInfo s : provider.list(SandboxQuery.metadata(Map.of(BUILD_KEY, rootfs.toString())))) provider.kill(s.id());
            return null;
        });
    }

    private static BuildSandbox launch(Path home, String template, Path rootfs, Map<String, String> proxyEnv) {
        int cpus = Math.max(1, java.lang.Runtime.getRuntime().availableProcessors());
        SandboxSpec spec = SandboxSpec.builder()
                .template(template)
                .metadata(BUILD_KEY, rootfs.toString())
                .timeout(LIFETIME)
                .resources(new Resources(cpus, 4096, 4096, 4096))
                .network(NETWORK)
                .build();
        Optional<Path> roots = Files.isRegularFile(HOST_ROOTS) ? Optional.of(HOST_ROOTS) : Optional.empty();
        return new BuildSandbox(new LocalSandboxProvider(home).createTemplateBuild(rootfs, spec, roots, proxyCidrs(proxyEnv)), proxyEnv);
    }

    /**
     * The addresses of the proxies named in {@code proxyEnv}, as single-address ranges the build's egress
     * opens (a proxy on a private address would be refused otherwise). Only those addresses: the rest of a
     * private range stays closed. Loopback, link-local and the host's own addresses stay refused whatever
     * is opened: a proxy there is out of a build's reach.
     */
    static List<String> proxyCidrs(Map<String, String> proxyEnv) {
        Set<String> cidrs = new LinkedHashSet<>();
        proxyEnv.forEach((name, value) -> {
            if (name.equalsIgnoreCase("no_proxy") || value.isBlank()) return;
            String host;
            try {
                host = URI.create(value.contains("://") ? value : "http://" + value).getHost();
            } catch (IllegalArgumentException e) {
                return; // not a URL: the steps' clients will say so
            }
            if (host == null) return;
            try {
                for (InetAddress a : InetAddress.getAllByName(host.replaceAll("^\\[|\\]$", ""))) {
                    if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress() || a.isMulticastAddress()) continue;
                    cidrs.add(a.getHostAddress().replaceFirst("%.*$", "") + (a instanceof Inet6Address ? "/128" : "/32"));
                }
            } catch (UnknownHostException e) {
                // unresolvable here: the build's clients will fail on it with their own message
            }
        });
        return List.copyOf(cidrs);
    }

    String id() {
        return sandbox.id();
    }

    /**
     * Runs {@code argv} as root in the build sandbox, stdout and stderr merged in order into {@code lines}.
     * Returns the exit code; throws {@link InterruptedException} when the thread was interrupted (or the
     * sandbox killed by a cancel).
     */
    int run(List<String> argv, Map<String, String> env, Optional<byte[]> stdin, Consumer<String> lines) throws InterruptedException {
        Map<String, String> vars = new TreeMap<>(Map.of("PATH", PATH, "HOME", "/root", "LANG", "C.UTF-8", "DEBIAN_FRONTEND", "noninteractive"));
        vars.putAll(proxyEnv);
        if (Files.isRegularFile(HOST_ROOTS)) vars.put("NODE_EXTRA_CA_CERTS", ROOTS_IN_SANDBOX);
        vars.putAll(env);
        // stderr into stdout inside, so the two keep their order in the step's output
        List<String> merged = new ArrayList<>(List.of("/bin/sh", "-c", "exec 2>&1; exec \"$@\"", "sh"));
        merged.addAll(argv);
        LineSplitter splitter = new LineSplitter(lines);
        Command.Builder b = Command.builder(merged).asRoot().cwd("/").env(vars).outputLimit(0)
                .onStdout(OutputListener.text(splitter::accept));
        stdin.ifPresent(b::stdin);
        CommandResult r;
        try {
            r = sandbox.commands().run(b.build());
        } catch (SandboxException e) {
            if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
            throw e;
        }
        splitter.flush();
        if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
        if (r.reason() == ExitReason.OOM) lines.accept("agentbox: the step ran out of memory");
        return r.exitCode();
    }

    /**
     * The file copy step's sources as one stream of tar archives, member {@code N} for the Nth source
     * (the host's trusted files are read on the host; everything written into the rootfs is written
     * inside, so nothing a previous step planted there, such as a symlink, can redirect a host write).
     */
    static byte[] packSources(List<Path> sources) throws IOException, InterruptedException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < sources.size(); i++) {
            Path src = sources.get(i).toAbsolutePath().normalize();
            Path parent = src.getParent() == null ? Path.of("/") : src.getParent();
            // the first path component (the source's own name) becomes N; symlink targets stay as they are
            Process p = new ProcessBuilder("tar", "--create", "--file=-", "--transform=s,^[^/]*," + i + ",S",
                    "-C", parent.toString(), "--", src.getFileName().toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(new File("/dev/null")).start();
            byte[] archive = p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) throw new IOException("cannot read " + src + " (tar exited with " + p.exitValue() + ")");
            all.write(archive);
        }
        return all.toByteArray();
    }

    /** The inside half of {@link #packSources}: unpacks the archives under {@link #FILES_DIR}, root-owned. */
    static String unpackSources() {
        return "mkdir -p " + FILES_DIR + " && tar --extract --ignore-zeros --no-same-owner --file=- -C " + FILES_DIR + "\n";
    }

    @Override
    public void close() {
        uninterruptibly(() -> {
            sandbox.kill();
            return null;
        });
    }

    /** Splits decoded output into lines (the last one flushed at the end). */
    private static final class LineSplitter {
        private final Consumer<String> lines;
        private final StringBuilder partial = new StringBuilder();

        LineSplitter(Consumer<String> lines) {
            this.lines = lines;
        }

        synchronized void accept(String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\n') {
                    lines.accept(partial.toString());
                    partial.setLength(0);
                } else {
                    partial.append(c);
                }
            }
        }

        synchronized void flush() {
            if (!partial.isEmpty()) lines.accept(partial.toString());
            partial.setLength(0);
        }
    }
}
