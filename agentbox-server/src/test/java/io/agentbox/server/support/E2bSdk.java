package io.agentbox.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a script of {@code test-deps/e2b} (the official E2B JS SDK, pinned) with node against a server and
 * returns the JSON object it printed. The packages are installed on first use by
 * {@code test-deps/install.sh}, as {@code setup.sh --deps-only} does.
 */
public final class E2bSdk {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile boolean installed;

    private E2bSdk() {}

    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("test-deps"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("no test-deps directory above " + Path.of("").toAbsolutePath());
        return p;
    }

    public static Path dir() {
        return repoRoot().resolve("test-deps/e2b");
    }

    static synchronized void install() throws IOException, InterruptedException {
        if (installed) return;
        Process p = new ProcessBuilder(repoRoot().resolve("test-deps/install.sh").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("test-deps/install.sh failed; run it by hand to see why");
        }
        installed = true;
    }

    /** The SDK environment of a user moving from E2B cloud: three variables. */
    public static Map<String, String> env(String e2bUrl, String apiKey) {
        return Map.of("E2B_API_URL", e2bUrl, "E2B_SANDBOX_URL", e2bUrl, "E2B_API_KEY", apiKey);
    }

    /** Runs {@code script} (a file of test-deps/e2b) with {@code env}; fails the test on a crash or after {@code timeout}. */
    public static JsonNode run(String script, Map<String, String> env, Duration timeout, String... args) {
        try {
            install();
            Path out = Files.createTempFile("e2b-sdk-", ".json");
            Path err = Files.createTempFile("e2b-sdk-", ".err");
            try {
                String[] cmd = new String[args.length + 2];
                cmd[0] = "node";
                cmd[1] = script;
                System.arraycopy(args, 0, cmd, 2, args.length);
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir().toFile())
                        .redirectOutput(out.toFile()).redirectError(err.toFile());
                pb.environment().keySet().removeIf(k -> k.startsWith("E2B_"));
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("node " + script + " did not finish within " + timeout + "; stderr: " + Files.readString(err));
                }
                String text = Files.readString(out, StandardCharsets.UTF_8).trim();
                if (text.isEmpty()) throw new AssertionError("node " + script + " printed nothing (exit " + p.exitValue() + "); stderr: " + Files.readString(err));
                JsonNode result = JSON.readTree(text.substring(text.lastIndexOf('\n') + 1));
                if (result.has("fatal")) throw new AssertionError("node " + script + " failed: " + result.get("fatal") + "\n" + result.path("fatalStack").asText());
                return result;
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
