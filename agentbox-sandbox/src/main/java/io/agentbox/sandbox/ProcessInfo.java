package io.agentbox.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A process started through {@link Commands}, as {@link Commands#list} reports it. */
public record ProcessInfo(int pid, List<String> argv, String cwd, String user, Instant startedAt,
                          boolean running, Optional<Integer> exitCode) {
    public ProcessInfo {
        argv = List.copyOf(argv);
    }
}
