package io.agentbox.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * How a command ended. The exit code follows the shell convention: the process's own code, or
 * 128 + signal when a signal ended it.
 */
public record CommandResult(
        int exitCode,
        ExitReason reason,
        Optional<Integer> signal,
        byte[] stdoutBytes,
        byte[] stderrBytes,
        boolean stdoutTruncated,
        boolean stderrTruncated,
        Duration duration) {

    public String stdout() {
        return new String(stdoutBytes, StandardCharsets.UTF_8);
    }

    public String stderr() {
        return new String(stderrBytes, StandardCharsets.UTF_8);
    }

    /** Exited by itself with code 0. */
    public boolean isSuccess() {
        return reason == ExitReason.EXITED && exitCode == 0;
    }

    /** A one-line human description of a limit hit or kill, e.g. {@code killed: timeout after 2s}; empty for normal exits. */
    public Optional<String> limitMessage() {
        return switch (reason) {
            case EXITED, SIGNALED -> Optional.empty();
            case TIMEOUT -> Optional.of("killed: timeout after " + Durations.format(duration));
            case OOM -> Optional.of("killed: out of memory (the sandbox's memory limit was reached)");
            case KILLED -> Optional.of("killed: on request");
        };
    }
}
