package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Cli;
import io.agentbox.cli.Json;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.net.NetworkConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code agentbox sandbox network ID --allow a.com | --open | --none}: a live policy change. */
@Command(name = "network",
        description = "Change a running sandbox's network policy; new connections follow it within a second.")
final class NetworkCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "Sandbox id.")
    private String id;

    @ArgGroup(exclusive = true)
    private Mode mode;

    static final class Mode {
        @Option(names = "--open", description = "The internet, never the host.") boolean open;
        @Option(names = "--none", description = "No network.") boolean none;
    }

    @Option(names = "--allow", paramLabel = "DOMAIN", description = "Allow only these domains (exact or '*.example.com'; repeatable).")
    private List<String> allow = new ArrayList<>();

    @Option(names = "--deny", paramLabel = "DOMAIN", description = "Refuse these even when --allow matches (repeatable).")
    private List<String> deny = new ArrayList<>();

    @Option(names = "--json", description = "Print the new policy as JSON.")
    private boolean json;

    @Override
    public Integer call() {
        NetworkPolicy policy;
        try {
            if (mode != null && (!allow.isEmpty() || !deny.isEmpty())) throw new IllegalArgumentException("--allow and --deny cannot be combined with --open or --none");
            if (mode == null && allow.isEmpty()) throw new IllegalArgumentException("give --allow DOMAIN (repeatable), --open or --none");
            policy = mode != null ? (mode.open ? NetworkPolicy.open() : NetworkPolicy.none()) : NetworkPolicy.of("allow", allow, deny);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Cli cli = AgentboxCommand.cli(spec);
        Sandbox sandbox = cli.sandbox(id);
        sandbox.setNetwork(policy);
        // the record of the new policy, for the native `info` and `ls`
        FastView.recording(cli, List.of(id), () -> List.of(sandbox.info()));
        if (json) {
            Json.print(spec.commandLine().getOut(), NetworkConfig.policyJson(policy));
        } else {
            spec.commandLine().getOut().println(id + " network " + describe(policy));
        }
        return 0;
    }

    static String describe(NetworkPolicy p) {
        if (p instanceof NetworkPolicy.Allow a) {
            return "allow " + String.join(" ", a.domains()) + (a.deny().isEmpty() ? "" : " deny " + String.join(" ", a.deny()));
        }
        return p.name();
    }
}
