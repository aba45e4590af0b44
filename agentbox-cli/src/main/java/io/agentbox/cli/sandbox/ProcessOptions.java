package io.agentbox.cli.sandbox;

import io.agentbox.cli.Converters;
import io.agentbox.sandbox.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Options shared by {@code exec} and {@code start}: how to run one process in the sandbox. */
final class ProcessOptions {
    @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Kill the command after this long, e.g. 30s (default: no limit but the sandbox's lifetime).")
    private Duration timeout;

    @Option(names = "--cwd", paramLabel = "DIR", description = "Working directory (default: the sandbox's workdir).")
    private String cwd;

    @Option(names = "--env", paramLabel = "K=V", description = "Environment variable (repeatable).")
    private Map<String, String> env = new LinkedHashMap<>();

    @Option(names = "--user", paramLabel = "USER", description = "user (uid 1000, the default) or root.")
    private String user = Command.USER;

    Command.Builder builder(List<String> argv) {
        Command.Builder b = Command.builder(argv).env(env).user(user);
        if (timeout != null) b.timeout(timeout);
        if (cwd != null) b.cwd(cwd);
        return b;
    }
}
