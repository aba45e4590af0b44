package io.agentbox.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the packaged CLI ({@code agentbox.jar}) as a separate process, as a user's shell would. */
final class AgentboxProcess {
    static final Path JAR = Path.of(System.getProperty("agentbox.jar", "target/agentbox.jar")).toAbsolutePath();
    static final Path REPO = Path.of(System.getProperty("agentbox.repo", "..")).toAbsolutePath().normalize();
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private final Path home;
    private final Map<String, String> env;
    private final Path cwd;
    private final boolean bare;

    AgentboxProcess(Path home) {
        this(home, Map.of(), null, false);
    }

    private AgentboxProcess(Path home, Map<String, String> env, Path cwd, boolean bare) {
        this.home = home;
        this.env = Map.copyOf(env);
        this.cwd = cwd;
        this.bare = bare;
    }

    /**
     * The same, in a bare environment as systemd, cron or {@code env -i} give: only PATH, HOME and
     * the data dir (plus {@link #withEnv} variables); no LANG or LC_*, so the C locale.
     */
    AgentboxProcess bare() {
        return new AgentboxProcess(home, env, cwd, true);
    }

    /** The launcher, bin/agentbox, as a user's shell finds it. */
    static List<String> launcher(String... args) {
        List<String> command = new ArrayList<>(List.of(REPO.resolve("bin/agentbox").toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** The same, with these environment variables (on top of a copy of this JVM's, less ANTHROPIC_*). */
    AgentboxProcess withEnv(Map<String, String> extra) {
        Map<String, String> all = new HashMap<>(env);
        all.putAll(extra);
        return new AgentboxProcess(home, all, cwd, bare);
    }

    /** The same, started in {@code dir} (where a .env file would be read from). */
    AgentboxProcess in(Path dir) {
        return new AgentboxProcess(home, env, dir, bare);
    }

    /** Starts {@code agentbox ARGS} with stdout and stderr going to files, for a test that signals it. */
    Process start(Path stdout, Path stderr, String... args) {
        return start(jarCommand(args), stdout, stderr);
    }

    /** Starts any program (e.g. the launcher) with stdout and stderr going to files. */
    Process start(List<String> command, Path stdout, Path stderr) {
        ProcessBuilder pb = builder(command, cwd);
        pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> jarCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return command;
    }

    private ProcessBuilder builder(List<String> command, Path dir) {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (dir != null) pb.directory(dir.toFile());
        if (bare) {
            pb.environment().clear();
            pb.environment().put("PATH", "/usr/bin:/bin");
            pb.environment().put("HOME", home.toString());
        }
        pb.environment().keySet().removeIf(k -> k.startsWith("ANTHROPIC_") || k.equals("AGENTBOX_JAVA_OPTS") || k.equals("NO_COLOR"));
        pb.environment().put("AGENTBOX_HOME", home.toString());
        pb.environment().putAll(env);
        return pb;
    }

    /** What a finished invocation printed and how it exited. */
    record Result(int exitCode, byte[] stdoutBytes, String stderr) {
        String stdout() {
            return new String(stdoutBytes, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout() + "\n--- stderr\n" + stderr;
        }
    }

    Result run(String... args) {
        return run(new byte[0], args);
    }

    /** Runs {@code agentbox ARGS} with {@code stdin} piped in, and waits for it. */
    Result run(byte[] stdin, String... args) {
        return run(jarCommand(args), cwd, stdin);
    }

    /** Runs any program (e.g. bin/agentbox) with this data dir, in {@code cwd}. */
    Result run(List<String> command, Path dir, byte[] stdin) {
        ProcessBuilder pb = builder(command, dir);
        try {
            Process p = pb.start();
            CompletableFuture<byte[]> out = drain(p.getInputStream());
            CompletableFuture<byte[]> err = drain(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException e) {
                // the command exited without reading its input; its result still counts
            }
            if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("agentbox " + command + " did not finish within " + LIMIT);
            }
            return new Result(p.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // A thread per stream: the common pool may have a single thread on a small machine.
    private static CompletableFuture<byte[]> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                in.transferTo(buf);
                return buf.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, task -> Thread.ofPlatform().daemon().start(task));
    }
}
