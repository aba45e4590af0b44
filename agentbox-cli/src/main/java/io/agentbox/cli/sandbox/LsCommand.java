package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Cli;
import io.agentbox.cli.Json;
import io.agentbox.cli.Table;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code agentbox sandbox ls}: live sandboxes of this machine's data dir, oldest first. */
@Command(name = "ls", description = "List live sandboxes.")
final class LsCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--metadata", paramLabel = "k=v", description = "Only sandboxes with this label (repeatable; all must match).")
    private Map<String, String> metadata = new LinkedHashMap<>();

    @Option(names = "--json", description = "Print a JSON array of sandbox objects.")
    private boolean json;

    @Override
    public Integer call() {
        Cli cli = AgentboxCommand.cli(spec);
        List<SandboxInfo> sandboxes = FastView.recording(cli, FastView.ids(cli), () -> cli.sandboxes().list(SandboxQuery.metadata(metadata))).stream()
                .sorted(Comparator.comparing(SandboxInfo::createdAt).thenComparing(SandboxInfo::id))
                .toList();
        if (json) {
            Json.print(spec.commandLine().getOut(), sandboxes.stream().map(SandboxView::of).toList());
            return 0;
        }
        if (sandboxes.isEmpty()) {
            spec.commandLine().getErr().println("no live sandboxes" + (metadata.isEmpty() ? "" : " with " + SandboxView.metadataText(metadata)));
            return 0;
        }
        Instant now = Instant.now();
        Table table = new Table("ID", "TEMPLATE", "EXPIRES", "NETWORK", "METADATA");
        for (SandboxInfo s : sandboxes) {
            table.row(row(s, SandboxView.expiresIn(s.expiresAt(), now)));
        }
        table.print(spec.commandLine().getOut());
        return 0;
    }

    /** One line of the table, with {@code expiresIn} ("in 4m58s") as its third cell. */
    static String[] row(SandboxInfo s, String expiresIn) {
        return new String[] {s.id(), s.template(), expiresIn, s.network().name(), SandboxView.metadataText(s.metadata())};
    }
}
