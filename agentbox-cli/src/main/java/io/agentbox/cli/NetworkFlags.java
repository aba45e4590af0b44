package io.agentbox.cli;

import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.SecretInjection;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;

/** The network options of {@code sandbox create}, {@code run} and {@code chat}. */
public final class NetworkFlags {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--network", paramLabel = "MODE",
            description = "none (default: loopback only), open (the internet, never the host) or allow (only --allow domains).")
    String mode;

    @Option(names = "--allow", paramLabel = "DOMAIN",
            description = "A domain the sandbox may reach: exact, or '*.example.com' (repeatable; implies --network allow).")
    List<String> allow = new ArrayList<>();

    @Option(names = "--deny", paramLabel = "DOMAIN", description = "A domain refused even when --allow matches it (repeatable).")
    List<String> deny = new ArrayList<>();

    @Option(names = "--secret", paramLabel = "HOST:HEADER=ENV",
            description = "Requests to HOST get HEADER set from this machine's environment variable ENV; the sandbox sees only a placeholder (repeatable).")
    List<String> secrets = new ArrayList<>();

    @Option(names = "--audit-all", description = "Record every network connection in the sandbox's audit, not only refusals.")
    boolean auditAll;

    public NetworkPolicy policy() {
        try {
            return NetworkPolicy.of(mode, allow, deny);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** Sets the network, the secrets and the audit of {@code b}. */
    public SandboxSpec.Builder apply(SandboxSpec.Builder b) {
        NetworkPolicy p = policy();
        b.network(p).auditAll(auditAll);
        for (String s : secrets) {
            SecretInjection si;
            try {
                si = SecretInjection.parse(s);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            // the sandbox is made by this process, so the value comes from its environment: check it
            // before anything starts (a run would otherwise fail only once it creates its sandbox)
            if (si.resolve().isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--secret " + s + ": the environment variable " + si.env() + " is not set");
            }
            b.secret(si);
        }
        if (!secrets.isEmpty() && p instanceof NetworkPolicy.None) {
            throw new ParameterException(spec.commandLine(), "--secret needs a network: add --network open or --allow HOST");
        }
        return b;
    }
}
