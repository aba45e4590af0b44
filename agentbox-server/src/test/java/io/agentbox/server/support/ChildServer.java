package io.agentbox.server.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A server in its own JVM, so that a test can kill it with SIGKILL mid-run. */
public final class ChildServer implements AutoCloseable {
    private final Process process;
    private final String url;

    private ChildServer(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    public static ChildServer start(Map<String, String> env, Path log) {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                ServerProcess.class.getName()));
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("AGENTBOX_") || k.startsWith("ANTHROPIC_"));
        e.putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            Process p = pb.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> listening = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line; (line = out.readLine()) != null; ) {
                        if (line.startsWith("LISTENING ")) return line.substring(10);
                    }
                    return null;
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
            String url = listening.get(60, TimeUnit.SECONDS);
            if (url == null) throw new IllegalStateException("child server exited with " + p.waitFor() + "; see " + log);
            return new ChildServer(p, url);
        } catch (Exception ex) {
            throw new IllegalStateException("cannot start child server: " + ex.getMessage(), ex);
        }
    }

    public Http client(String key) {
        return new Http(url, Optional.of(key));
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook, no graceful anything. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException("child did not die");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static Map<String, String> env(Db db, Path dir, String bootstrapKey) {
        Map<String, String> env = new HashMap<>();
        env.put("AGENTBOX_HOME", dir.resolve("data").toString());
        env.put("AGENTBOX_PORT", "0");
        env.put("AGENTBOX_BOOTSTRAP_KEY", bootstrapKey);
        env.put("AGENTBOX_NODE_ID", "crash-test-node");
        env.put("AGENTBOX_LOG_FILE", dir.resolve("server.log").toString());
        env.put("AGENTBOX_SHUTDOWN_GRACE", "1s");
        if (db == Db.POSTGRESQL) {
            PostgresCluster pg = PostgresCluster.shared();
            env.put("AGENTBOX_DB_URL", pg.newDatabase());
            env.put("AGENTBOX_DB_USER", pg.user());
        }
        return env;
    }
}
