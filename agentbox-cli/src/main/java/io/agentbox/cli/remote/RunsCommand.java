package io.agentbox.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.output.ExitCode;
import io.agentbox.cli.Json;
import io.agentbox.cli.agent.ConsoleRenderer;
import io.agentbox.client.AgentboxClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.Optional;

/** {@code agentbox [--server URL --api-key KEY] runs list|show|watch|cancel|create}: runs on an agentbox server. */
@Command(name = "runs", description = "Runs on an agentbox server (--server/AGENTBOX_SERVER, --api-key/AGENTBOX_API_KEY).")
public final class RunsCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", description = "Runs of your workspaces, newest first.")
    void list(@Option(names = "--workspace", paramLabel = "ID") String workspace,
              @Option(names = "--status", paramLabel = "STATUS", description = "queued, booting, running, succeeded, failed or canceled.") String status,
              @Option(names = "--since", paramLabel = "TIME", description = "ISO-8601, e.g. 2026-11-29T10:00:00Z.") Instant since,
              @Option(names = "--session", paramLabel = "ID") String session,
              @Option(names = "--limit", paramLabel = "N") Integer limit,
              @Option(names = "--cursor", paramLabel = "CURSOR") String cursor,
              @Option(names = "--json", description = "The server's JSON page.") boolean json) {
        AgentboxClient.RunFilter f = AgentboxClient.RunFilter.ALL;
        if (workspace != null) f = f.withWorkspace(workspace);
        if (status != null) f = f.withStatus(status);
        if (since != null) f = f.withSince(since);
        if (session != null) f = f.withSession(session);
        if (limit != null) f = f.withLimit(limit);
        if (cursor != null) f = f.withCursor(cursor);
        Remote.list(spec, Remote.client(spec).listRuns(f), json, new String[] {"ID", "STATUS", "CREATED", "TURNS", "COST", "PROMPT"},
                r -> new String[] {Remote.text(r, "id"), Remote.text(r, "status"), Remote.text(r, "createdAt"), Remote.text(r, "turns"),
                        r.path("cost").hasNonNull("total") ? "$" + r.at("/cost/total").asText() : "-", Remote.shorten(Remote.text(r, "prompt"), 50)});
    }

    @Command(name = "show", description = "A run: status, result, usage, cost, error.")
    void show(@Parameters(paramLabel = "RUN") String id, @Option(names = "--json", description = "The server's JSON.") boolean json) {
        Remote.show(spec, Remote.client(spec).getRun(id), json);
    }

    @Command(name = "watch", description = "Follow a run's events live (history first); exits with the run's exit code.")
    int watch(@Parameters(paramLabel = "RUN") String id,
              @Option(names = "--after", paramLabel = "SEQ", description = "Only events after this sequence number.") long after,
              @Option(names = "--json", description = "Events as JSON lines.") boolean json,
              @Option(names = "--no-color", description = "No colours (also when NO_COLOR is set).") boolean noColor) {
        return follow(spec, Remote.client(spec), id, after, json, noColor);
    }

    @Command(name = "cancel", description = "Cancel a run; its sandbox is gone when this returns.")
    void cancel(@Parameters(paramLabel = "RUN") String id,
                @Option(names = "--reason", paramLabel = "TEXT") String reason,
                @Option(names = "--json", description = "The server's JSON.") boolean json) {
        JsonNode run = Remote.client(spec).cancelRun(id, Optional.ofNullable(reason));
        if (json) Json.print(Remote.out(spec), run);
        else Remote.out(spec).println(Remote.text(run, "id") + " " + Remote.text(run, "status"));
    }

    @Command(name = "create", description = "Start a run on the server; prints its id, or follows it with --watch.")
    int create(@Parameters(paramLabel = "PROMPT") String prompt,
               @Option(names = "--workspace", paramLabel = "ID") String workspace,
               @Option(names = "--model", paramLabel = "MODEL") String model,
               @Option(names = "--template", paramLabel = "NAME") String template,
               @Option(names = "--session", paramLabel = "ID", description = "The next turn of this session.") String session,
               @Option(names = "--max-turns", paramLabel = "N") Integer maxTurns,
               @Option(names = "--max-budget-usd", paramLabel = "USD") Double maxBudgetUsd,
               @Option(names = "--timeout", paramLabel = "DURATION", description = "e.g. 10m") String timeout,
               @Option(names = "--network", paramLabel = "POLICY", description = "none or open") String network,
               @Option(names = "--watch", description = "Follow the run's events until it ends.") boolean watch,
               @Option(names = "--json", description = "The server's JSON (events as JSON lines with --watch).") boolean json) {
        AgentboxClient.NewRun r = AgentboxClient.NewRun.of(prompt);
        if (workspace != null) r = r.withWorkspace(workspace);
        if (model != null) r = r.withModel(model);
        if (template != null) r = r.withTemplate(template);
        if (session != null) r = r.withSession(session);
        if (maxTurns != null) r = r.withOption("maxTurns", maxTurns);
        if (maxBudgetUsd != null) r = r.withOption("maxBudgetUsd", maxBudgetUsd);
        if (timeout != null) r = r.withOption("timeout", timeout);
        if (network != null) r = r.withOption("network", network);
        AgentboxClient client = Remote.client(spec);
        JsonNode run = client.createRun(r);
        if (!watch) {
            if (json) Json.print(Remote.out(spec), run);
            else Remote.out(spec).println(Remote.text(run, "id"));
            return 0;
        }
        return follow(spec, client, run.get("id").asText(), 0, json, false);
    }

    /** Streams a run's events, rendered as {@code agentbox run} does or as JSON lines; the exit code is the run's. */
    static int follow(CommandSpec spec, AgentboxClient client, String runId, long after, boolean json, boolean noColor) {
        PrintWriter out = Remote.out(spec);
        int[] code = {0};
        try (ConsoleRenderer renderer = json ? null : ConsoleRenderer.forTerminal(out, spec.commandLine().getErr(), noColor, false)) {
            client.watch(runId, after, event -> {
                if (renderer == null) {
                    synchronized (out) {
                        out.println(Events.toJson(event));
                        out.flush();
                    }
                } else {
                    renderer.onEvent(event);
                }
                exitCode(event).ifPresent(c -> code[0] = c);
            });
        }
        return code[0];
    }

    static Optional<Integer> exitCode(Event event) {
        return switch (event.data()) {
            case EventData.RunCompleted c -> Optional.of(ExitCode.SUCCESS.code());
            case EventData.RunCanceled c -> Optional.of(ExitCode.CANCELED.code());
            case EventData.RunFailed f -> Optional.of(ExitCode.of(f.category()).code());
            default -> Optional.empty();
        };
    }
}
