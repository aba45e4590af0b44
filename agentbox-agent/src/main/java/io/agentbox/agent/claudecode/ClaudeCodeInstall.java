package io.agentbox.agent.claudecode;

import io.agentbox.ConfigException;
import io.agentbox.sandbox.local.HostFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Claude Code installed from npm under the data dir, {@code $AGENTBOX_HOME/runtimes/claude-code/<version>},
 * and shown read-only to sandboxes. Only the platform package's native binary is used: it needs no Node at
 * run time and no install script (npm runs none: {@code --ignore-scripts}).
 *
 * @param version    e.g. {@code 2.1.332}
 * @param binaryDir  the host directory holding the {@code claude} executable
 */
public record ClaudeCodeInstall(String version, Path binaryDir) {
    /** The version agentbox is tested with. Newer ones need Node 22 for npm to pick them; pin it. */
    public static final String DEFAULT_VERSION = "2.1.332";
    public static final String PACKAGE = "@anthropic-ai/claude-code";
    /** Where {@link #binaryDir()} appears in a sandbox (below /run: a mount point any template can take). */
    public static final String SANDBOX_DIR = "/run/agentbox/claude-code";
    public static final String SANDBOX_BINARY = SANDBOX_DIR + "/claude";

    /** The one line a run prints when Claude Code is nowhere to be found. */
    public static final String NOT_INSTALLED = "Claude Code is not installed: run `agentbox runtime install claude-code`"
            + " (or use a template that has `claude`, e.g. `agentbox template build templates/claude-code.toml`)";

    public static Path root(Path home) {
        return home.resolve("runtimes").resolve("claude-code");
    }

    /** The installed version named by {@code current}, if its binary is there. */
    public static Optional<ClaudeCodeInstall> find(Path home) {
        Path current = root(home).resolve("current");
        try {
            if (!Files.isRegularFile(current)) return Optional.empty();
            String version = Files.readString(current).strip();
            return checkVersion(version) ? fromPackages(version, root(home).resolve(version).resolve("node_modules")) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** An npm install elsewhere (a {@code node_modules} directory holding {@value #PACKAGE}). */
    public static ClaudeCodeInstall fromNodeModules(Path nodeModules) {
        Path pkg = nodeModules.resolve(PACKAGE).resolve("package.json");
        String version;
        try {
            version = new com.fasterxml.jackson.databind.ObjectMapper().readTree(pkg.toFile()).path("version").asText();
        } catch (IOException e) {
            throw new ConfigException("no " + PACKAGE + " in " + nodeModules + ": " + e.getMessage());
        }
        return fromPackages(version, nodeModules).orElseThrow(() -> new ConfigException(
                "no " + platformPackage() + "/claude in " + nodeModules + " (installed with --omit=optional?)"));
    }

    private static Optional<ClaudeCodeInstall> fromPackages(String version, Path nodeModules) {
        Path dir = nodeModules.resolve(platformPackage());
        return Files.isExecutable(dir.resolve("claude")) ? Optional.of(new ClaudeCodeInstall(version, dir.toAbsolutePath())) : Optional.empty();
    }

    /** The npm package with the native binary for this machine. */
    static String platformPackage() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return PACKAGE + "-linux-" + (arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : "x64");
    }

    static boolean checkVersion(String version) {
        return version.matches("\\d{1,4}\\.\\d{1,4}\\.\\d{1,6}");
    }

    /**
     * Installs {@code version} with npm (once: an installed version is returned as it is) and makes it
     * the current one. The install happens in a temporary directory renamed into place when it works,
     * so a failure leaves nothing behind.
     */
    public static ClaudeCodeInstall install(Path home, String version, Consumer<String> progress) {
        if (!checkVersion(version)) throw new ConfigException("version must look like " + DEFAULT_VERSION + ", got '" + version + "'");
        Path root = root(home);
        Path target = root.resolve(version);
        try {
            Files.createDirectories(root);
            Optional<ClaudeCodeInstall> existing = fromPackages(version, target.resolve("node_modules"));
            if (existing.isEmpty()) {
                Path tmp = Files.createTempDirectory(root, ".install-" + version + "-");
                try {
                    progress.accept("installing " + PACKAGE + "@" + version + " with npm (about 190 MB)…");
                    npm(tmp, version);
                    fromPackages(version, tmp.resolve("node_modules")).orElseThrow(() -> new ConfigException(
                            "npm installed " + PACKAGE + "@" + version + " without its native binary " + platformPackage()));
                    HostFiles.deleteTree(target);
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    HostFiles.deleteTree(tmp);
                }
            }
            Path current = root.resolve(".current.tmp");
            Files.writeString(current, version + "\n");
            Files.move(current, root.resolve("current"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return fromPackages(version, target.resolve("node_modules")).orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install Claude Code under " + root + ": " + e.getMessage(), e);
        }
    }

    private static void npm(Path dir, String version) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("npm", "install", "--prefix", dir.toString(), "--no-save", "--no-audit",
                "--no-fund", "--ignore-scripts", "--no-package-lock", "--loglevel=error", PACKAGE + "@" + version));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new ConfigException("npm is needed to install Claude Code (apt-get install npm): " + e.getMessage());
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new ConfigException("npm install of " + PACKAGE + "@" + version + " took over 15 minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ConfigException("interrupted while installing Claude Code");
        }
        if (p.exitValue() != 0) {
            List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
            String last = lines.isEmpty() ? "" : lines.getLast();
            throw new ConfigException("npm install of " + PACKAGE + "@" + version + " failed (exit " + p.exitValue() + "): " + last);
        }
    }
}
