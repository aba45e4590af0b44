package io.agentbox.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the packaged CLI ({@code agentbox.jar}) as a separate process, as a user's shell would. */
final class AgentboxProcess {
    static final Path JAR = Path.of(System.getProperty("agentbox.jar", "target/agentbox.jar")).toAbsolutePath();
    static final Path REPO = Path.of(System.getProperty("agentbox.repo", "..")).toAbsolutePath().normalize();
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private final Path home;

    AgentboxProcess(Path home) {
        this.home = home;
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
        List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return run(command, null, stdin);
    }

    /** Runs any program (e.g. bin/agentbox) with this data dir, in {@code cwd}. */
    Result run(List<String> command, Path cwd, byte[] stdin) {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (cwd != null) pb.directory(cwd.toFile());
        pb.environment().put("AGENTBOX_HOME", home.toString());
        pb.environment().remove("AGENTBOX_JAVA_OPTS");
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
