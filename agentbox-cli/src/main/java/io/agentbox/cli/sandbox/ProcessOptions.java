package io.agentbox.cli.sandbox;

import io.agentbox.cli.Converters;
import io.agentbox.sandbox.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

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

    /**
     * The command to run from the positional parameters after the id. The parser stops at the id
     * (so the command's own options are not taken for ours), which keeps the {@code --} separator.
     */
    Command.Builder builder(List<String> params, CommandSpec spec) {
        List<String> argv = !params.isEmpty() && params.get(0).equals("--") ? params.subList(1, params.size()) : params;
        if (argv.isEmpty()) throw new ParameterException(spec.commandLine(), "Missing required parameter: 'CMD'");
        Command.Builder b = Command.builder(argv).env(env).user(user);
        if (timeout != null) b.timeout(timeout);
        if (cwd != null) b.cwd(cwd);
        return b;
    }
}
