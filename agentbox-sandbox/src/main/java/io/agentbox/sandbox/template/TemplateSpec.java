package io.agentbox.sandbox.template;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.agentbox.ErrorCategory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A template spec, as written in a TOML file (see {@code docs/templates.md}). Immutable and validated:
 * {@link #parse(Path)} rejects unknown keys and bad values with a message naming the file and the key.
 *
 * @param name     template name, {@code [a-z0-9][a-z0-9_.-]{0,62}}; {@code host} is reserved
 * @param suite    Debian suite given to debootstrap
 * @param mirror   Debian mirror URL
 * @param packages apt packages (sorted, without duplicates: their order does not matter)
 * @param npm      npm packages installed globally (sorted, without duplicates)
 * @param env      environment defaults of every command in sandboxes of this template
 * @param run      shell commands run as root inside the rootfs, in order
 * @param files    host files and directories copied into the rootfs, in order
 */
public record TemplateSpec(
        String name,
        String suite,
        String mirror,
        List<String> packages,
        List<String> npm,
        Map<String, String> env,
        List<String> run,
        List<FileCopy> files) {

    public static final String DEFAULT_SUITE = "bookworm";
    public static final String DEFAULT_MIRROR = "http://deb.debian.org/debian";

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,62}");
    private static final Pattern SUITE = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    private static final Pattern MIRROR = Pattern.compile("https?://[^\\s,]+");
    private static final Pattern DEB_PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]+");
    private static final Pattern NPM_PACKAGE = Pattern.compile("(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*(@[^\\s@]+)?");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern MODE = Pattern.compile("[0-7]{3,4}");
    private static final Set<String> KEYS = Set.of("name", "suite", "mirror", "packages", "npm", "env", "run", "files");
    private static final Set<String> FILE_KEYS = Set.of("src", "dst", "mode");
    /** Bumped whenever the build steps change what a spec produces, so older templates get rebuilt. */
    private static final String HASH_VERSION = "agentbox-template/1";

    /**
     * One {@code [[files]]} entry.
     *
     * @param src  the host file or directory (absolute; written relative to the spec file)
     * @param dst  absolute path inside the rootfs; a directory is copied recursively into it
     * @param mode optional octal mode such as {@code 0644}, applied to {@code dst} itself
     */
    public record FileCopy(Path src, String dst, Optional<String> mode) {
        public FileCopy {
            Objects.requireNonNull(src, "src");
            Objects.requireNonNull(dst, "dst");
            Objects.requireNonNull(mode, "mode");
        }
    }

    public TemplateSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(mirror, "mirror");
        packages = List.copyOf(new TreeSet<>(packages));
        npm = List.copyOf(new TreeSet<>(npm));
        env = Map.copyOf(env);
        run = List.copyOf(run);
        files = List.copyOf(files);
    }

    /** Reads and validates a spec file. Throws {@link TemplateException} (category {@code config}) on any problem. */
    public static TemplateSpec parse(Path tomlFile) {
        Path file = tomlFile.toAbsolutePath().normalize();
        JsonNode root;
        try {
            root = new TomlMapper().readTree(file.toFile());
        } catch (JacksonException e) {
            var where = e.getLocation() == null || e.getLocation().getLineNr() <= 0 ? "" : " (line " + e.getLocation().getLineNr() + ")";
            throw invalid(file, "not valid TOML" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new TemplateException(ErrorCategory.CONFIG, "cannot read template spec " + file + ": " + e.getMessage(), e);
        }
        if (!(root instanceof ObjectNode table)) throw invalid(file, "expected a TOML table");
        return new Reader(file).spec(table);
    }

    /**
     * SHA-256 (hex) of a canonical form of this spec, including the content, names and permissions of
     * every copied file, so that editing a copied file changes the hash. Reads the copied files.
     */
    public String hash() {
        ObjectNode canonical = new ObjectMapper().createObjectNode();
        canonical.put("version", HASH_VERSION);
        canonical.put("name", name);
        canonical.put("suite", suite);
        canonical.put("mirror", mirror);
        packages.forEach(canonical.putArray("packages")::add);
        npm.forEach(canonical.putArray("npm")::add);
        ObjectNode envNode = canonical.putObject("env");
        new TreeMap<>(env).forEach(envNode::put);
        run.forEach(canonical.putArray("run")::add);
        ArrayNode filesNode = canonical.putArray("files");
        for (FileCopy f : files) {
            filesNode.addObject().put("dst", f.dst()).put("mode", f.mode().orElse("")).put("content", treeDigest(f.src()));
        }
        return sha256(canonical.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String treeDigest(Path src) {
        StringBuilder listing = new StringBuilder();
        try {
            Path start = src.toRealPath();
            Files.walkFileTree(start, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    listing.append("d ").append(start.relativize(dir)).append(' ').append(perms(dir)).append('\n');
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    String rel = start.relativize(file).toString();
                    if (attrs.isSymbolicLink()) {
                        listing.append("l ").append(rel).append(' ').append(Files.readSymbolicLink(file)).append('\n');
                    } else if (attrs.isRegularFile()) {
                        listing.append("f ").append(rel).append(' ').append(perms(file)).append(' ').append(fileDigest(file)).append('\n');
                    } else {
                        throw new IOException("not a regular file, directory or symbolic link: " + file);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new TemplateException(ErrorCategory.CONFIG, "cannot read " + src + ": " + e.getMessage(), e);
        }
        return sha256(listing.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static String fileDigest(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TemplateException invalid(Path file, String message) {
        return new TemplateException(ErrorCategory.CONFIG, "invalid template spec " + file + ": " + message);
    }

    /** Walks the parsed TOML tree; every error names the key it is about. */
    private record Reader(Path file) {
        TemplateSpec spec(ObjectNode root) {
            rejectUnknown(root, KEYS, "");
            String name = string(root, "name").orElseThrow(() -> invalid(file, "'name' is required"));
            if (!NAME.matcher(name).matches()) {
                throw invalid(file, "'name' must match " + NAME.pattern() + ", got '" + name + "'");
            }
            if (name.equals(Templates.HOST)) throw invalid(file, "'name': 'host' is reserved for the built-in template");
            String suite = checked(root, "suite", SUITE, DEFAULT_SUITE);
            String mirror = checked(root, "mirror", MIRROR, DEFAULT_MIRROR);
            List<String> packages = strings(root, "packages");
            check(packages, "packages", DEB_PACKAGE, "a Debian package name");
            List<String> npm = strings(root, "npm");
            check(npm, "npm", NPM_PACKAGE, "an npm package spec such as typescript@5");
            Map<String, String> env = env(root);
            List<String> run = strings(root, "run");
            for (int i = 0; i < run.size(); i++) {
                if (run.get(i).isBlank()) throw invalid(file, "'run[" + i + "]' is empty");
            }
            return new TemplateSpec(name, suite, mirror, packages, npm, env, run, files(root));
        }

        private List<FileCopy> files(ObjectNode root) {
            JsonNode node = root.get("files");
            if (node == null) return List.of();
            if (!node.isArray()) throw invalid(file, "'files' must be an array of tables ([[files]])");
            List<FileCopy> files = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                String key = "files[" + i + "]";
                if (!(node.get(i) instanceof ObjectNode entry)) throw invalid(file, "'" + key + "' must be a table");
                rejectUnknown(entry, FILE_KEYS, key + ".");
                String src = string(entry, "src", key + ".src").orElseThrow(() -> invalid(file, "'" + key + ".src' is required"));
                String dst = string(entry, "dst", key + ".dst").orElseThrow(() -> invalid(file, "'" + key + ".dst' is required"));
                Optional<String> mode = string(entry, "mode", key + ".mode");
                Path source = file.getParent().resolve(src).normalize();
                if (!Files.exists(source)) throw invalid(file, "'" + key + ".src': no such file or directory: " + source);
                if (!dst.startsWith("/") || dst.equals("/") || dst.contains("\0") || !Path.of(dst).normalize().toString().equals(dst)) {
                    throw invalid(file, "'" + key + ".dst' must be a normalized absolute path other than /, got '" + dst + "'");
                }
                if (mode.isPresent() && !MODE.matcher(mode.get()).matches()) {
                    throw invalid(file, "'" + key + ".mode' must be an octal mode such as \"0644\", got '" + mode.get() + "'");
                }
                files.add(new FileCopy(source, dst, mode));
            }
            return files;
        }

        private Map<String, String> env(ObjectNode root) {
            JsonNode node = root.get("env");
            if (node == null) return Map.of();
            if (!node.isObject()) throw invalid(file, "'env' must be a table of strings, e.g. env = { LANG = \"C.UTF-8\" }");
            Map<String, String> env = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!ENV_NAME.matcher(e.getKey()).matches()) throw invalid(file, "'env': invalid variable name '" + e.getKey() + "'");
                if (!e.getValue().isTextual()) throw invalid(file, "'env." + e.getKey() + "' must be a string");
                if (e.getValue().asText().contains("\0")) throw invalid(file, "'env." + e.getKey() + "' contains a NUL character");
                env.put(e.getKey(), e.getValue().asText());
            }
            return env;
        }

        private String checked(ObjectNode table, String key, Pattern pattern, String fallback) {
            String value = string(table, key).orElse(fallback);
            if (!pattern.matcher(value).matches()) throw invalid(file, "'" + key + "' must match " + pattern.pattern() + ", got '" + value + "'");
            return value;
        }

        private void check(List<String> values, String key, Pattern pattern, String what) {
            for (int i = 0; i < values.size(); i++) {
                if (!pattern.matcher(values.get(i)).matches()) {
                    throw invalid(file, "'" + key + "[" + i + "]' is not " + what + ": '" + values.get(i) + "'");
                }
            }
        }

        private Optional<String> string(ObjectNode table, String key) {
            return string(table, key, key);
        }

        private Optional<String> string(ObjectNode table, String key, String path) {
            JsonNode node = table.get(key);
            if (node == null) return Optional.empty();
            if (!node.isTextual()) throw invalid(file, "'" + path + "' must be a string");
            return Optional.of(node.asText());
        }

        private List<String> strings(ObjectNode table, String key) {
            JsonNode node = table.get(key);
            if (node == null) return List.of();
            if (!node.isArray()) throw invalid(file, "'" + key + "' must be an array of strings");
            List<String> values = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                if (!node.get(i).isTextual()) throw invalid(file, "'" + key + "[" + i + "]' must be a string");
                values.add(node.get(i).asText());
            }
            return values;
        }

        private void rejectUnknown(ObjectNode table, Set<String> known, String prefix) {
            for (Iterator<String> it = table.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!known.contains(key)) {
                    throw invalid(file, "unknown key '" + prefix + key + "'" + suggestion(key, known) + " (known keys: " + String.join(", ", new TreeSet<>(known)) + ")");
                }
            }
        }

        private static String suggestion(String key, Set<String> known) {
            return known.stream()
                    .filter(k -> distance(k, key) <= 2)
                    .min((a, b) -> distance(a, key) - distance(b, key))
                    .map(k -> ", did you mean '" + k + "'?")
                    .orElse("");
        }

        private static int distance(String a, String b) {
            int[] prev = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) prev[j] = j;
            for (int i = 1; i <= a.length(); i++) {
                int[] cur = new int[b.length() + 1];
                cur[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                    cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                }
                prev = cur;
            }
            return prev[b.length()];
        }
    }
}
