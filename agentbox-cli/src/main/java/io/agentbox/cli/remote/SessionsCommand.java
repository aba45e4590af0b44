package io.agentbox.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.cli.Json;
import io.agentbox.client.AgentboxClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.Optional;

/** {@code agentbox sessions list|show|create|send|end}: multi-turn sessions on an agentbox server. */
@Command(name = "sessions", description = "Multi-turn sessions on an agentbox server: one sandbox kept between turns.")
public final class SessionsCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", description = "Sessions of your workspaces.")
    void list(@Option(names = "--workspace", paramLabel = "ID") String workspace,
              @Option(names = "--json", description = "The server's JSON page.") boolean json) {
        Remote.list(spec, Remote.client(spec).listSessions(Optional.ofNullable(workspace)), json,
                new String[] {"ID", "STATUS", "TURNS", "TEMPLATE", "LAST ACTIVITY"},
                s -> new String[] {Remote.text(s, "id"), Remote.text(s, "status"), Remote.text(s, "turns"), Remote.text(s, "template"),
                        Remote.text(s, "lastActivityAt")});
    }

    @Command(name = "show", description = "A session.")
    void show(@Parameters(paramLabel = "SESSION") String id, @Option(names = "--json", description = "The server's JSON.") boolean json) {
        Remote.show(spec, Remote.client(spec).getSession(id), json);
    }

    @Command(name = "create", description = "Open a session; prints its id.")
    void create(@Option(names = "--workspace", paramLabel = "ID") String workspace,
                @Option(names = "--model", paramLabel = "MODEL") String model,
                @Option(names = "--template", paramLabel = "NAME") String template,
                @Option(names = "--json", description = "The server's JSON.") boolean json) {
        JsonNode s = Remote.client(spec).createSession(Optional.ofNullable(workspace), Optional.ofNullable(model), Optional.ofNullable(template), Map.of());
        if (json) Json.print(Remote.out(spec), s);
        else Remote.out(spec).println(Remote.text(s, "id"));
    }

    @Command(name = "send", description = "Send the next message and follow the turn's run (exits with its exit code).")
    int send(@Parameters(index = "0", paramLabel = "SESSION") String id,
             @Parameters(index = "1", paramLabel = "PROMPT") String prompt,
             @Option(names = "--no-watch", description = "Print the run's id instead of following it.") boolean noWatch,
             @Option(names = "--json", description = "The server's JSON (events as JSON lines when following).") boolean json) {
        AgentboxClient client = Remote.client(spec);
        JsonNode run = client.sendMessage(id, prompt);
        if (noWatch) {
            if (json) Json.print(Remote.out(spec), run);
            else Remote.out(spec).println(Remote.text(run, "id"));
            return 0;
        }
        return RunsCommand.follow(spec, client, run.get("id").asText(), 0, json, false);
    }

    @Command(name = "end", description = "End a session and kill its sandbox.")
    void end(@Parameters(paramLabel = "SESSION") String id) {
        Remote.client(spec).endSession(id);
    }
}
