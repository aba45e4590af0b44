package io.agentbox.sandbox.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.ErrorCategory;
import io.agentbox.sandbox.template.TemplateInfo.Kind;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds, lists, resolves and removes sandbox templates under {@code $AGENTBOX_HOME/templates}.
 *
 * <p>Layout: {@code templates/<name>/template.json} (the {@link TemplateInfo} fields) and
 * {@code templates/<name>/rootfs/}. A build runs in {@code templates/.build-<name>-<random>/} and is renamed
 * into place only when every step succeeded, so a failed, canceled or killed build never leaves a partial
 * template; its leftovers are removed at once or by the next build. Builds of one name are serialized
 * across processes by {@code templates/.<name>.lock}.
 *
 * <p>A template in use by a running sandbox (its rootfs is mounted in some mount namespace) is never deleted
 * from under it: {@link #remove} refuses, and a rebuild puts the new template in place while the old one
 * stays in {@code templates/.old-<name>-<random>/} until a later build or removal finds it unused.
 *
 * <p>Building needs root, {@code debootstrap}, {@code bwrap} and util-linux ({@code unshare}, {@code setpriv}).
 * Only debootstrap's first stage (download, verify, unpack) runs on the host; every step that runs code of a
 * package or of the spec runs as root of a build sandbox ({@link BuildSandbox}), which can spoil the template
 * it builds and nothing else.
 */
public final class Templates {
    /** The built-in template: the host's {@code /usr} read-only. */
    public static final String HOST = "host";
    /** How many of the failing step's last output lines a {@link TemplateBuildException} carries. */
    public static final int OUTPUT_TAIL_LINES = 30;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_LINE = 2000;
    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final List<String> PROXY_VARS = List.of("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY");

    /** What every rootfs needs so that the provider can run it read-only as uid 1000; idempotent. */
    private static final String FIXUPS = """
            set -eu
            mkdir -p /workspace /home/user /tmp /root /run /proc /dev /etc
            chmod 1777 /tmp
            [ "$(id -u root)" = 0 ] || { echo "the rootfs has no root user with uid 0" >&2; exit 1; }
            getent group user >/dev/null || groupadd --gid 1000 user
            getent passwd user >/dev/null || useradd --uid 1000 --gid 1000 --home-dir /home/user --no-create-home --shell /bin/bash user
            usermod --home /home/user --shell /bin/bash user
            if [ "$(id -u user)" != 1000 ] || [ "$(id -g user)" != 1000 ]; then
                echo "user 'user' must have uid 1000 and gid 1000, has $(id user)" >&2; exit 1
            fi
            chown 1000:1000 /workspace
            chown -R 1000:1000 /home/user
            # emptied on the host after debootstrap; while a build runs, the egress's resolver is bound over it
            if ! mountpoint -q /etc/resolv.conf; then rm -f /etc/resolv.conf; : > /etc/resolv.conf; fi
            printf '127.0.0.1\\tlocalhost\\n::1\\tlocalhost ip6-localhost ip6-loopback\\n' > /etc/hosts
            echo agentbox > /etc/hostname
            command -v bash >/dev/null || { echo "the rootfs has no bash" >&2; exit 1; }
            """;
    private static final String CLEANUP = """
            apt-get clean
            rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/apt/* \
                   /root/.npm /root/.cache /tmp/* /tmp/.[!.]* /var/tmp/*
            """;
    /** Copies the sources bound at /tmp/agentbox-files/N to their destinations; arguments are DST MODE pairs. */
    private static final String COPY = """
            set -eu
            i=0
            while [ $# -gt 0 ]; do
                dst=$1; mode=$2; shift 2
                mkdir -p "$(dirname "$dst")"
                cp -RT --preserve=mode,timestamps,links "/tmp/agentbox-files/$i" "$dst"
                [ -z "$mode" ] || chmod "$mode" "$dst"
                i=$((i + 1))
            done
            """;

    /** Debootstrap results are kept as {@code templates/.base-<hash>}, keyed by suite, mirror and packages. */
    private static final String BASE = "base-";
    private static final String BASE_DIR = "." + BASE;
    private static final String BASE_VERSION = "agentbox-base/1";
    private static final String BASE_FIELD = "base";
    /** How long a base no template uses is kept for the next attempt (a spec being iterated on). */
    private static final Duration UNUSED_BASE_KEPT = Duration.ofDays(1);

    private static final Pattern LEFTOVER = Pattern.compile("\\.(build|old)-(.+)-[0-9a-f]{12}");

    private final Path dir;

    /** Templates of the data dir {@code agentboxHome} (usually {@code $AGENTBOX_HOME}, default {@code ~/.agentbox}). */
    public Templates(Path agentboxHome) {
        this.dir = agentboxHome.toAbsolutePath().normalize().resolve("templates");
    }

    /** Parses {@code specFile} and builds it; see {@link #build(TemplateSpec, BuildListener)}. */
    public TemplateInfo build(Path specFile, BuildListener listener) {
        return build(TemplateSpec.parse(specFile), listener);
    }

    /**
     * Builds {@code spec}, or returns the existing template of that name at once when it was built from a spec
     * with the same {@link TemplateSpec#hash() hash} (the listener is told {@link BuildListener#cached}).
     * Blocks until done; interrupting the calling thread cancels the build (category {@code canceled}).
     *
     * @throws TemplateBuildException when a step fails (with the step and the tail of its output)
     * @throws TemplateException      when the host lacks what a build needs, or the build is canceled
     */
    public TemplateInfo build(TemplateSpec spec, BuildListener listener) {
        // The processes of a build get SIGKILL when the thread that started them ends (PR_SET_PDEATHSIG, so
        // that nothing outlives a killed JVM); a platform thread of our own lives exactly as long as the build,
        // unlike the caller's thread, which may be a virtual thread on a pooled carrier.
        CompletableFuture<TemplateInfo> result = new CompletableFuture<>();
        Thread worker = Thread.ofPlatform().name("agentbox-template-build-" + spec.name()).start(() -> {
            try {
                result.complete(new Build(spec, listener).run());
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
                    worker.interrupt();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    if (e.getCause() instanceof Error err) throw err;
                    throw new TemplateException(ErrorCategory.INTERNAL, "template build failed: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** The built-in {@code host} template first, then the built templates by name. */
    public List<TemplateInfo> list() {
        List<TemplateInfo> all = new ArrayList<>(List.of(TemplateInfo.HOST));
        if (!Files.isDirectory(dir)) return all;
        Set<String> names = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(p -> names.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        names.forEach(name -> resolve(name).filter(t -> !t.builtIn()).ifPresent(all::add));
        return all;
    }

    /** The template called {@code name}, if it exists ({@code host} always does). */
    public Optional<TemplateInfo> resolve(String name) {
        if (HOST.equals(name)) return Optional.of(TemplateInfo.HOST);
        if (!TemplateSpec.NAME.matcher(name).matches()) return Optional.empty();
        Path json = dir.resolve(name).resolve("template.json");
        Path rootfs = dir.resolve(name).resolve("rootfs");
        if (!Files.isRegularFile(json) || !Files.isDirectory(rootfs)) return Optional.empty();
        try {
            JsonNode n = JSON.readTree(json.toFile());
            Map<String, String> env = new LinkedHashMap<>();
            n.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            return Optional.of(new TemplateInfo(n.get("name").asText(), n.get("hash").asText(),
                    Kind.valueOf(n.get("kind").asText().toUpperCase(Locale.ROOT)), Optional.of(rootfs), env,
                    Instant.parse(n.get("createdAt").asText()), n.get("sizeBytes").asLong(), false));
        } catch (IOException | RuntimeException e) {
            throw new TemplateException(ErrorCategory.INTERNAL, "unreadable " + json + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes a built template. Returns false when there is no such template.
     *
     * @throws TemplateException for {@code host} (category {@code config}), or while a running sandbox uses
     *                           the template (category {@code sandbox_error}: kill those sandboxes first)
     */
    public boolean remove(String name) {
        if (HOST.equals(name)) throw new TemplateException(ErrorCategory.CONFIG, "the built-in template 'host' cannot be removed");
        if (!TemplateSpec.NAME.matcher(name).matches() || !Files.isDirectory(dir)) return false;
        try (NameLock lock = NameLock.acquire(dir, name)) {
            Path target = dir.resolve(name);
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) return false;
            if (Mounts.snapshot().inUse(target.toRealPath())) {
                throw new TemplateException(ErrorCategory.SANDBOX_ERROR,
                        "template '" + name + "' is in use by a running sandbox; kill the sandboxes created from it first");
            }
            retire(name);
            sweep(name, true);
            return true;
        } catch (IOException e) {
            throw new TemplateException(ErrorCategory.INTERNAL, "cannot remove template '" + name + "': " + e.getMessage(), e);
        }
    }

    /** Moves {@code templates/<name>} aside and deletes it unless a sandbox still has it mounted. */
    private void retire(String name) throws IOException {
        Path old = dir.resolve(".old-" + name + "-" + randomSuffix());
        Files.move(dir.resolve(name), old, StandardCopyOption.ATOMIC_MOVE);
        // A sandbox created between the caller's check and the move shows up under the new name.
        if (!Mounts.snapshot().inUse(old.toRealPath())) deleteTree(old);
    }

    /**
     * Deletes what builds leave behind: work directories of builds that died ({@code .build-*}), retired
     * templates no sandbox has mounted any more ({@code .old-*}), and debootstrap bases no template uses
     * ({@code .base-*}): at once when {@code purgeBases}, else once unused for {@link #UNUSED_BASE_KEPT}.
     * Directories whose lock another build holds are that build's own and stay.
     */
    private void sweep(String lockedName, boolean purgeBases) throws IOException {
        Mounts mounts = null;
        Set<String> usedBases = null;
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(".")
                && !p.getFileName().toString().endsWith(".lock"))) {
            ds.forEach(entries::add);
        }
        for (Path p : entries) {
            String f = p.getFileName().toString();
            Matcher leftover = LEFTOVER.matcher(f);
            String lockName;
            if (leftover.matches()) {
                lockName = leftover.group(2);
                if (f.startsWith(".old-")) {
                    if (mounts == null) mounts = Mounts.snapshot();
                    if (mounts.inUse(p.toRealPath())) continue;
                }
            } else if (f.startsWith(BASE_DIR)) {
                String hash = f.substring(BASE_DIR.length()).replaceFirst("\\.partial$", "");
                lockName = BASE + hash;
                if (!f.endsWith(".partial")) {
                    if (usedBases == null) usedBases = usedBases();
                    boolean recent = Files.getLastModifiedTime(p).toInstant().isAfter(Instant.now().minus(UNUSED_BASE_KEPT));
                    if (usedBases.contains(hash) || (recent && !purgeBases)) continue;
                }
            } else {
                continue;
            }
            if (lockName.equals(lockedName)) {
                deleteTree(p);
            } else {
                try (NameLock other = NameLock.tryAcquire(dir, lockName)) {
                    if (other != null) deleteTree(p);
                }
            }
        }
    }

    private Set<String> usedBases() throws IOException {
        Set<String> used = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> !p.getFileName().toString().startsWith("."))) {
            for (Path p : ds) {
                try {
                    used.add(JSON.readTree(p.resolve("template.json").toFile()).path(BASE_FIELD).asText());
                } catch (IOException e) {
                    // not a template
                }
            }
        }
        return used;
    }

    private static String randomSuffix() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Deletes a tree without following symlinks and without ever descending into another mounted file system. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        Object device = Files.getAttribute(root, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (!device.equals(Files.getAttribute(d, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
                    throw new IOException("refusing to delete " + d + ": another file system is mounted there");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) throw e;
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static long diskUsage(Path root) throws IOException {
        long[] total = {0};
        Set<Object> seen = new HashSet<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                // hard links share one inode: count it once
                if (attrs.isRegularFile() && (attrs.fileKey() == null || seen.add(attrs.fileKey()))) total[0] += attrs.size();
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    /** One build: a work directory, its steps, and the process currently running. */
    private final class Build {
        private record Step(String description, List<Action> actions) {
            static Step of(String description, Action... actions) {
                return new Step(description, List.of(actions));
            }
        }

        /** One part of a step; returns an exit code. */
        private interface Action {
            int run(Deque<String> tail) throws IOException, InterruptedException;
        }

        private final TemplateSpec spec;
        private final Set<String> apt;
        private final String baseHash;
        private final BuildListener listener;
        private final long startNanos = System.nanoTime();
        private final Object processLock = new Object();
        private Process current;
        private BuildSandbox sandbox;
        private boolean aborted;

        Build(TemplateSpec spec, BuildListener listener) {
            this.spec = spec;
            this.listener = listener;
            this.apt = new TreeSet<>(spec.packages());
            if (!spec.npm().isEmpty()) apt.addAll(List.of("nodejs", "npm"));
            this.baseHash = TemplateSpec.sha256(String.join("\n", BASE_VERSION, spec.suite(), spec.mirror(), String.join(",", apt))
                    .getBytes(StandardCharsets.UTF_8));
        }

        TemplateInfo run() throws IOException {
            String hash = spec.hash();
            Files.createDirectories(dir);
            try (NameLock lock = NameLock.acquire(dir, spec.name())) {
                sweep(spec.name(), false);
                Optional<TemplateInfo> existing = resolve(spec.name());
                if (existing.isPresent() && existing.get().hash().equals(hash)) {
                    listener.cached(existing.get());
                    listener.done(elapsed());
                    return existing.get();
                }
                Tools tools = Tools.find();
                Path work = dir.resolve(".build-" + spec.name() + "-" + randomSuffix());
                Thread onExit = new Thread(() -> cleanUp(work));
                Runtime.getRuntime().addShutdownHook(onExit);
                try (NameLock baseLock = NameLock.acquire(dir, BASE + baseHash)) {
                    Path rootfs = work.resolve("rootfs");
                    Files.createDirectories(work);
                    runSteps(steps(tools, rootfs));
                    TemplateInfo info = new TemplateInfo(spec.name(), hash, Kind.ROOTFS, Optional.of(dir.resolve(spec.name()).resolve("rootfs")),
                            spec.env(), Instant.now(), diskUsage(rootfs), false);
                    writeInfo(info, baseHash, work.resolve("template.json"));
                    if (Files.exists(dir.resolve(spec.name()), LinkOption.NOFOLLOW_LINKS)) retire(spec.name());
                    Files.move(work, dir.resolve(spec.name()), StandardCopyOption.ATOMIC_MOVE);
                    listener.done(elapsed());
                    return info;
                } finally {
                    cleanUp(work);
                    try {
                        Runtime.getRuntime().removeShutdownHook(onExit);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook is running or has run: nothing left to undo
                    }
                }
            }
        }

        private List<Step> steps(Tools tools, Path rootfs) throws IOException {
            List<Step> steps = new ArrayList<>();
            String debootstrapped = "debootstrap " + spec.suite() + " (minbase" + (apt.isEmpty() ? "" : " + " + count(apt.size(), "package")) + ")";
            Path base = dir.resolve(BASE_DIR + baseHash);
            if (Files.isDirectory(base)) {
                Files.setLastModifiedTime(base, FileTime.from(Instant.now()));
                steps.add(Step.of(debootstrapped + ", cached", exec(List.of("cp", "-a", "--reflink=auto", base.toString(), rootfs.toString()))));
            } else {
                List<String> debootstrap = new ArrayList<>(List.of(
                        // setpriv: debootstrap dies with this JVM; unshare: its mounts (/proc, /sys, maybe /dev) live in
                        // a private mount namespace that vanishes with it, so no host mount is ever left under the rootfs
                        tools.setpriv(), "--pdeathsig", "KILL", "--",
                        tools.unshare(), "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--",
                        tools.debootstrap(), "--variant=minbase", "--foreign"));
                if (!apt.isEmpty()) debootstrap.add("--include=" + String.join(",", apt));
                debootstrap.addAll(List.of(spec.suite(), rootfs.toString(), spec.mirror()));
                // The first stage (download, verify, unpack) on the host; the second, which runs the
                // packages' maintainer scripts, confined like every later step.
                steps.add(Step.of(debootstrapped, exec(debootstrap), tail -> prepareForSandbox(rootfs, tail),
                        // container=lxc: skips the probe that the target allows device nodes (mknod is not a
                        // build capability; the sandbox's /dev is its own)
                        inBuild(rootfs, Map.of("container", "lxc"), Optional.empty(), "/debootstrap/debootstrap", "--second-stage"),
                        inBuild(rootfs, Map.of(), Optional.empty(), "/bin/sh", "-c", FIXUPS),
                        tail -> keepAsBase(rootfs, base, tail)));
            }
            if (!spec.npm().isEmpty()) {
                List<String> npm = new ArrayList<>(List.of("npm", "install", "--global", "--no-audit", "--no-fund", "--no-update-notifier"));
                npm.addAll(spec.npm());
                steps.add(Step.of("npm install --global " + String.join(" ", spec.npm()),
                        inBuild(rootfs, spec.env(), Optional.empty(), npm.toArray(String[]::new))));
            }
            if (!spec.files().isEmpty()) {
                List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", BuildSandbox.unpackSources() + COPY, "sh"));
                for (TemplateSpec.FileCopy f : spec.files()) command.addAll(List.of(f.dst(), f.mode().orElse("")));
                List<Path> sources = spec.files().stream().map(TemplateSpec.FileCopy::src).toList();
                steps.add(Step.of("copy " + count(spec.files().size(), "file"), tail -> inBuild(rootfs, Map.of(),
                        Optional.of(BuildSandbox.packSources(sources)), command.toArray(String[]::new)).run(tail)));
            }
            for (String run : spec.run()) {
                steps.add(Step.of("run: " + abbreviate(run), inBuild(rootfs, spec.env(), Optional.empty(), "/bin/sh", "-c", run)));
            }
            steps.add(Step.of("finalize: user, directories, clean caches",
                    inBuild(rootfs, Map.of(), Optional.empty(), "/bin/sh", "-c", FIXUPS + CLEANUP),
                    tail -> endSandbox()));
            return steps;
        }

        /**
         * Readies debootstrap's first stage for the build sandbox, still in debootstrap's trust (nothing of a
         * package has run yet): the directories the sandbox mounts over, and an empty resolver configuration
         * instead of the host's, which debootstrap copies in (a template carries none, and build steps cannot
         * replace a file the egress resolver is bound over).
         */
        private int prepareForSandbox(Path rootfs, Deque<String> tail) throws IOException {
            for (String d : List.of("etc", "proc", "dev", "tmp", "run")) {
                Path p = rootfs.resolve(d);
                // debootstrap links /proc to the host's when it thinks it runs in a container
                if (!d.equals("etc") && Files.isSymbolicLink(p)) Files.delete(p);
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(p);
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    line("/" + d + " of the debootstrap result is not a directory", tail);
                    return 1;
                }
            }
            Path resolv = rootfs.resolve("etc/resolv.conf");
            Files.deleteIfExists(resolv);
            Files.createFile(resolv);
            return 0;
        }

        private Action exec(List<String> command) {
            return tail -> execute(command, tail);
        }

        /** Keeps a copy of the fresh debootstrap, so that builds differing only after it skip debootstrap. */
        private int keepAsBase(Path rootfs, Path base, Deque<String> tail) throws IOException, InterruptedException {
            Path partial = dir.resolve(BASE_DIR + baseHash + ".partial");
            deleteTree(partial);
            int exit = execute(List.of("cp", "-a", "--reflink=auto", rootfs.toString(), partial.toString()), tail);
            if (exit == 0) Files.move(partial, base, StandardCopyOption.ATOMIC_MOVE);
            return exit;
        }

        /**
         * A command as root in the build's sandbox over the writable rootfs (started by the first such
         * command of the build); see {@link BuildSandbox} for its confinement.
         */
        private Action inBuild(Path rootfs, Map<String, String> env, Optional<byte[]> stdin, String... command) {
            return tail -> {
                BuildSandbox box;
                synchronized (processLock) {
                    if (aborted || Thread.currentThread().isInterrupted()) throw new InterruptedException();
                    if (sandbox == null) sandbox = BuildSandbox.start(dir.getParent(), spec.name(), rootfs, proxyEnv());
                    box = sandbox;
                }
                if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
                int exit = box.run(List.of(command), env, stdin, line -> line(line, tail));
                synchronized (processLock) {
                    if (aborted) throw new InterruptedException();
                }
                return exit;
            };
        }

        /** Ends the build's sandbox, so that nothing has the rootfs mounted when it is moved into place. */
        private int endSandbox() {
            BuildSandbox box;
            synchronized (processLock) {
                box = sandbox;
                sandbox = null;
            }
            if (box != null) box.close();
            return 0;
        }

        private void runSteps(List<Step> steps) throws IOException {
            for (int i = 0; i < steps.size(); i++) {
                Step step = steps.get(i);
                listener.step(i + 1, steps.size(), step.description());
                Deque<String> tail = new ArrayDeque<>();
                for (Action action : step.actions()) {
                    String failure;
                    try {
                        int exit = action.run(tail);
                        if (exit == 0) continue;
                        failure = "failed with exit code " + exit;
                    } catch (InterruptedException e) {
                        throw new TemplateException(ErrorCategory.CANCELED, "template '" + spec.name() + "': build canceled during step "
                                + (i + 1) + "/" + steps.size() + " (" + step.description() + ")");
                    }
                    throw new TemplateBuildException(spec.name(), i + 1, steps.size(), step.description(), failure, List.copyOf(tail));
                }
            }
        }

        private int execute(List<String> command, Deque<String> tail) throws IOException, InterruptedException {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(new File("/dev/null"));
            // started with nothing of this process's environment: the build's processes see only what they need
            pb.environment().clear();
            pb.environment().put("PATH", PATH);
            pb.environment().put("LANG", "C.UTF-8");
            pb.environment().putAll(proxyEnv());
            Process process;
            synchronized (processLock) {
                if (aborted || Thread.currentThread().isInterrupted()) throw new InterruptedException();
                process = pb.start();
                current = process;
            }
            Thread reader = Thread.ofVirtual().start(() -> pump(process, tail));
            try {
                int exit = process.waitFor();
                reader.join();
                return exit;
            } finally {
                kill(process);
            }
        }

        private void line(String line, Deque<String> tail) {
            String shown = line.stripTrailing();
            if (shown.length() > MAX_LINE) shown = shown.substring(0, MAX_LINE) + "…";
            if (tail.size() == OUTPUT_TAIL_LINES) tail.removeFirst();
            tail.addLast(shown);
            listener.output(shown);
        }

        private void pump(Process process, Deque<String> tail) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) line(line, tail);
            } catch (IOException e) {
                // the process was killed: its output ends here
            }
        }

        /** Ends the running process (if any) and deletes the work directory (gone already after a success). */
        private void cleanUp(Path work) {
            Process p;
            synchronized (processLock) {
                aborted = true;
                p = current;
            }
            if (p != null) kill(p);
            endSandbox();
            if (Files.isDirectory(work)) {
                try {
                    BuildSandbox.killAll(dir.getParent(), work.resolve("rootfs"));
                } catch (RuntimeException e) {
                    // no sandbox could be listed: none was started
                }
            }
            killStragglers(work);
            try {
                deleteTree(work);
            } catch (IOException e) {
                // the next build's sweep retries
            }
        }

        private static void kill(Process p) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            boolean interrupted = Thread.interrupted();
            while (true) {
                try {
                    p.waitFor();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }

        /**
         * Ends processes of this build that left the process tree: bwrap's inner process misses
         * {@code --die-with-parent} when its parent is killed right after forking it. Each of them names the
         * work directory (unique to this build) in its arguments.
         */
        private static void killStragglers(Path work) {
            String marker = work.toString();
            List<ProcessHandle> stragglers = ProcessHandle.allProcesses()
                    .filter(h -> h.info().arguments().map(args -> List.of(args).stream().anyMatch(a -> a.contains(marker))).orElse(false))
                    .toList();
            stragglers.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle h : stragglers) {
                try {
                    h.onExit().get(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (ExecutionException | TimeoutException e) {
                    // SIGKILL cannot be refused; the deletion below fails loudly if it still holds the directory
                }
            }
        }

        private Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - startNanos);
        }
    }

    private static void writeInfo(TemplateInfo info, String baseHash, Path file) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", info.name());
        n.put("hash", info.hash());
        n.put("kind", info.kind().wireName());
        n.put("rootfs", info.rootfs().orElseThrow().toString());
        ObjectNode env = n.putObject("env");
        new TreeMap<>(info.env()).forEach(env::put);
        n.put("createdAt", info.createdAt().toString());
        n.put("sizeBytes", info.sizeBytes());
        n.put("builtIn", info.builtIn());
        n.put(BASE_FIELD, baseHash);
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n", StandardOpenOption.CREATE_NEW);
    }

    private static Map<String, String> proxyEnv() {
        Map<String, String> env = new TreeMap<>();
        PROXY_VARS.forEach(k -> Optional.ofNullable(System.getenv(k)).ifPresent(v -> env.put(k, v)));
        return env;
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String abbreviate(String command) {
        String first = command.strip().lines().findFirst().orElse("");
        boolean cut = first.length() > 80 || command.strip().lines().count() > 1;
        return (first.length() > 80 ? first.substring(0, 80) : first) + (cut ? " …" : "");
    }

    /** The host programs a build runs, by absolute path. */
    private record Tools(String debootstrap, String bwrap, String unshare, String setpriv) {
        static Tools find() throws IOException {
            String debootstrap = which("debootstrap", "debootstrap is not installed; install it with: apt-get install debootstrap");
            String bwrap = which("bwrap", "bubblewrap is not installed; install it with: apt-get install bubblewrap");
            String unshare = which("unshare", "unshare (util-linux) is not installed; install it with: apt-get install util-linux");
            String setpriv = which("setpriv", "setpriv (util-linux) is not installed; install it with: apt-get install util-linux");
            if (!Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
                throw new TemplateException(ErrorCategory.CONFIG,
                        "building a template needs root (debootstrap creates device nodes and changes root); run it as root, e.g. with sudo");
            }
            return new Tools(debootstrap, bwrap, unshare, setpriv);
        }

        private static String which(String program, String missing) {
            Set<String> dirs = new LinkedHashSet<>(List.of(Optional.ofNullable(System.getenv("PATH")).orElse("").split(":")));
            dirs.addAll(List.of(PATH.split(":")));
            return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, program))
                    .filter(Files::isExecutable).findFirst().map(Path::toString)
                    .orElseThrow(() -> new TemplateException(ErrorCategory.CONFIG, missing));
        }
    }

    /** Serializes work on one template name across threads (JVM lock) and processes (file lock). */
    private static final class NameLock implements AutoCloseable {
        private final ReentrantLock jvmLock;
        private final FileChannel channel;
        private final FileLock fileLock;

        private NameLock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) {
            this.jvmLock = jvmLock;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        static NameLock acquire(Path dir, String name) throws IOException {
            return open(dir, name, true);
        }

        /** Null when another thread or process holds the lock. */
        static NameLock tryAcquire(Path dir, String name) throws IOException {
            return open(dir, name, false);
        }

        private static NameLock open(Path dir, String name, boolean wait) throws IOException {
            Path file = dir.resolve("." + name + ".lock");
            ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
            if (wait) {
                jvm.lock();
            } else if (!jvm.tryLock()) {
                return null;
            }
            FileChannel channel = null;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = wait ? channel.lock() : channel.tryLock();
                if (lock != null) return new NameLock(jvm, channel, lock);
                channel.close();
                jvm.unlock();
                return null;
            } catch (IOException | RuntimeException e) {
                if (channel != null) channel.close();
                jvm.unlock();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            try {
                fileLock.release();
                channel.close();
            } finally {
                jvmLock.unlock();
            }
        }
    }
}
