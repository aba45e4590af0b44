package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Cli;
import io.agentbox.cli.Converters;
import io.agentbox.cli.Json;
import io.agentbox.cli.NetworkFlags;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code agentbox sandbox create}: starts a sandbox that outlives this process until its timeout or kill. */
@Command(name = "create",
        description = "Create a sandbox and print its id. It lives until its timeout or `sandbox kill`.")
final class CreateCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--template", paramLabel = "NAME", description = "Template (default: ${DEFAULT-VALUE}).")
    private String template = SandboxSpec.DEFAULT_TEMPLATE;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Lifetime, e.g. 60s, 10m, 2h (default: 5m).")
    private Duration timeout = SandboxSpec.DEFAULT_TIMEOUT;

    @Option(names = "--memory", paramLabel = "SIZE", converter = Converters.SizeMbConverter.class, description = "Memory limit, e.g. 256m, 1g.")
    private Long memoryMb;

    @Option(names = "--cpus", paramLabel = "N", description = "CPU quota in cores, e.g. 1, 0.5.")
    private Double cpus;

    @Option(names = "--pids", paramLabel = "N", description = "Maximum number of processes.")
    private Integer pids;

    @Option(names = "--disk", paramLabel = "SIZE", converter = Converters.SizeMbConverter.class, description = "Size of the writable part, e.g. 1g.")
    private Long diskMb;

    @Mixin
    private NetworkFlags network;

    @Option(names = "--env", paramLabel = "K=V", description = "Environment variable of every command (repeatable).")
    private Map<String, String> env = new LinkedHashMap<>();

    @Option(names = "--metadata", paramLabel = "k=v", description = "Label, usable as an `ls` filter (repeatable).")
    private Map<String, String> metadata = new LinkedHashMap<>();

    @Option(names = "--json", description = "Print the sandbox as a JSON object.")
    private boolean json;

    @Override
    public Integer call() {
        SandboxSpec.Builder b = network.apply(SandboxSpec.builder().template(template).timeout(timeout))
                .env(env).metadata(metadata);
        if (memoryMb != null) b.memoryMb(memoryMb);
        if (cpus != null) b.cpus(cpus);
        if (pids != null) b.pids(pids);
        if (diskMb != null) b.diskMb(diskMb);
        SandboxSpec sandboxSpec = b.build();
        // Not try-with-resources: closing would kill the sandbox, which must outlive this process.
        Cli cli = AgentboxCommand.cli(spec);
        Sandbox sandbox = cli.sandboxes().create(sandboxSpec);
        SandboxInfo info = sandbox.info();
        FastView.written(cli, info);
        if (json) {
            Json.print(spec.commandLine().getOut(), SandboxView.of(info));
        } else {
            spec.commandLine().getOut().println(sandbox.id());
        }
        return 0;
    }
}
