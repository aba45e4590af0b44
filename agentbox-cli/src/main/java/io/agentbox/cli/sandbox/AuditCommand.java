package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.sandbox.NetworkAuditEntry;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.net.AuditLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code agentbox sandbox audit ID [--json]}: the network attempts the sandbox's egress recorded. */
@Command(name = "audit",
        description = "Show a sandbox's network audit: every refused attempt (and with --audit-all every connection).")
final class AuditCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "Sandbox id.")
    private String id;

    @Option(names = "--json", description = "One JSON object per line: ts, kind, host, ip, port, protocol, decision, reason.")
    private boolean json;

    @Override
    public Integer call() {
        Sandbox sandbox = AgentboxCommand.cli(spec).sandbox(id);
        PrintWriter out = spec.commandLine().getOut();
        for (NetworkAuditEntry e : sandbox.networkAudit()) {
            if (json) {
                out.println(AuditLog.json(e));
            } else {
                out.println(String.join("  ", SandboxView.iso(e.ts()), e.decision(), e.protocol(),
                        e.host().orElse("-") + (e.ip().map(ip -> " (" + ip + ")").orElse("")) + (e.port() > 0 ? ":" + e.port() : ""), e.reason()));
            }
        }
        out.flush();
        return 0;
    }
}
