package io.agentbox.sandbox.template;

import io.agentbox.sandbox.local.HostFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentbox.ErrorCategory;
import io.agentbox.sandbox.template.TemplateInfo.Kind;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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

    static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Debootstrap results are kept as {@code templates/.base-<hash>}, keyed by suite, mirror and packages. */
    static final String BASE = "base-";
    static final String BASE_DIR = "." + BASE;
    static final String BASE_VERSION = "agentbox-base/1";
    static final String BASE_FIELD = "base";
    /** How long a base no template uses is kept for the next attempt (a spec being iterated on). */
    private static final Duration UNUSED_BASE_KEPT = Duration.ofDays(1);

    private static final Pattern LEFTOVER = Pattern.compile("\\.(build|old)-(.+)-[0-9a-f]{12}");

    final Path dir;

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
                result.complete(new TemplateBuild(this, spec, listener).run());
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
    void retire(String name) throws IOException {
        Path old = dir.resolve(".old-" + name + "-" + randomSuffix());
        Files.move(dir.resolve(name), old, StandardCopyOption.ATOMIC_MOVE);
        // A sandbox created between the caller's check and the move shows up under the new name.
        if (!Mounts.snapshot().inUse(old.toRealPath())) HostFiles.deleteTree(old);
    }

    /**
     * Deletes what builds leave behind: work directories of builds that died ({@code .build-*}), retired
     * templates no sandbox has mounted any more ({@code .old-*}), and debootstrap bases no template uses
     * ({@code .base-*}): at once when {@code purgeBases}, else once unused for {@link #UNUSED_BASE_KEPT}.
     * Directories whose lock another build holds are that build's own and stay.
     */
    void sweep(String lockedName, boolean purgeBases) throws IOException {
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
                HostFiles.deleteTree(p);
            } else {
                try (NameLock other = NameLock.tryAcquire(dir, lockName)) {
                    if (other != null) HostFiles.deleteTree(p);
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

    static String randomSuffix() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

}
