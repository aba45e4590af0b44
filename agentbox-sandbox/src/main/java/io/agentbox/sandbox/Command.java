package io.agentbox.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A command to run inside a sandbox. Either an argv list ({@link #of}) or a shell string
 * ({@link #shell}), which runs as {@code bash -c STRING} inside the sandbox. The host never builds
 * a shell string from data: user data travels as argv elements, environment values or stdin.
 *
 * @param argv        program and arguments
 * @param cwd         working directory (default: the sandbox's workdir)
 * @param env         extra environment variables on top of the sandbox's
 * @param timeout     kill the command after this long (reason {@link ExitReason#TIMEOUT}); empty = no per-command limit
 * @param stdin       bytes written to stdin, then stdin is closed; empty = stdin stays open for {@link CommandHandle#sendStdin}
 *                    (or is closed at once by {@code run})
 * @param user        {@code user} (uid 1000, the default) or {@code root}
 * @param outputLimit bytes kept per stream in the result; beyond it output is dropped and the result is flagged truncated
 * @param onStdout    called with each chunk of stdout as it arrives
 * @param onStderr    called with each chunk of stderr as it arrives
 */
public record Command(
        List<String> argv,
        Optional<String> cwd,
        Map<String, String> env,
        Optional<Duration> timeout,
        Optional<byte[]> stdin,
        String user,
        long outputLimit,
        OutputListener onStdout,
        OutputListener onStderr) {

    public static final long DEFAULT_OUTPUT_LIMIT = 10L * 1024 * 1024;
    public static final String USER = "user";
    public static final String ROOT = "root";

    public Command {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) throw new IllegalArgumentException("a command needs at least a program name");
        Objects.requireNonNull(cwd, "cwd");
        env = Map.copyOf(env);
        env.keySet().forEach(SandboxSpec::checkEnvName);
        Objects.requireNonNull(timeout, "timeout");
        timeout.ifPresent(t -> {
            if (t.isNegative() || t.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + t);
        });
        Objects.requireNonNull(stdin, "stdin");
        if (!USER.equals(user) && !ROOT.equals(user)) throw new IllegalArgumentException("user must be 'user' or 'root', got: " + user);
        if (outputLimit < 0) throw new IllegalArgumentException("outputLimit must be >= 0");
        Objects.requireNonNull(onStdout, "onStdout");
        Objects.requireNonNull(onStderr, "onStderr");
    }

    /** An argv command: the program is looked up on the sandbox's PATH. */
    public static Command of(String program, String... args) {
        return builder(program, args).build();
    }

    public static Command of(List<String> argv) {
        return builder(argv).build();
    }

    /** {@code bash -c script} inside the sandbox. */
    public static Command shell(String script) {
        return shellBuilder(script).build();
    }

    public static Builder builder(String program, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(program);
        argv.addAll(List.of(args));
        return new Builder(argv);
    }

    public static Builder builder(List<String> argv) {
        return new Builder(argv);
    }

    public static Builder shellBuilder(String script) {
        return new Builder(List.of("/bin/bash", "-c", script));
    }

    public Builder toBuilder() {
        Builder b = new Builder(argv);
        b.cwd = cwd.orElse(null);
        b.env.putAll(env);
        b.timeout = timeout.orElse(null);
        b.stdin = stdin.orElse(null);
        b.user = user;
        b.outputLimit = outputLimit;
        b.onStdout = onStdout;
        b.onStderr = onStderr;
        return b;
    }

    public static final class Builder {
        private final List<String> argv;
        private String cwd;
        private final Map<String, String> env = new LinkedHashMap<>();
        private Duration timeout;
        private byte[] stdin;
        private String user = USER;
        private long outputLimit = DEFAULT_OUTPUT_LIMIT;
        private OutputListener onStdout = OutputListener.NONE;
        private OutputListener onStderr = OutputListener.NONE;

        private Builder(List<String> argv) {
            this.argv = List.copyOf(argv);
        }

        public Builder cwd(String cwd) { this.cwd = cwd; return this; }
        public Builder env(String name, String value) { env.put(name, value); return this; }
        public Builder env(Map<String, String> values) { env.putAll(values); return this; }
        public Builder timeout(Duration timeout) { this.timeout = timeout; return this; }
        public Builder stdin(byte[] stdin) { this.stdin = stdin.clone(); return this; }
        public Builder stdin(String stdin) { this.stdin = stdin.getBytes(StandardCharsets.UTF_8); return this; }
        public Builder user(String user) { this.user = user; return this; }
        public Builder asRoot() { this.user = ROOT; return this; }
        public Builder outputLimit(long bytes) { this.outputLimit = bytes; return this; }
        public Builder onStdout(OutputListener l) { this.onStdout = l; return this; }
        public Builder onStderr(OutputListener l) { this.onStderr = l; return this; }

        public Command build() {
            return new Command(argv, Optional.ofNullable(cwd), env, Optional.ofNullable(timeout),
                    Optional.ofNullable(stdin), user, outputLimit, onStdout, onStderr);
        }
    }
}
