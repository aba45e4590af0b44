package io.agentbox.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.cli.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code agentbox workspaces list|create|show|members}. */
@Command(name = "workspaces", description = "Workspaces on an agentbox server.")
public final class WorkspacesCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", description = "Your workspaces and your role in each.")
    void list(@Option(names = "--json", description = "The server's JSON.") boolean json) {
        Remote.list(spec, Remote.client(spec).listWorkspaces(), json, new String[] {"ID", "NAME", "ROLE", "CREATED"},
                w -> new String[] {Remote.text(w, "id"), Remote.text(w, "name"), Remote.text(w, "role"), Remote.text(w, "createdAt")});
    }

    @Command(name = "create", description = "Create a workspace (you become its owner); prints its id.")
    void create(@Parameters(paramLabel = "NAME") String name, @Option(names = "--json", description = "The server's JSON.") boolean json) {
        JsonNode w = Remote.client(spec).createWorkspace(name);
        if (json) Json.print(Remote.out(spec), w);
        else Remote.out(spec).println(Remote.text(w, "id"));
    }

    @Command(name = "show", description = "A workspace.")
    void show(@Parameters(paramLabel = "WORKSPACE") String id, @Option(names = "--json", description = "The server's JSON.") boolean json) {
        Remote.show(spec, Remote.client(spec).getWorkspace(id), json);
    }

    @Command(name = "members", description = "Members of a workspace and their roles.")
    void members(@Parameters(paramLabel = "WORKSPACE") String id, @Option(names = "--json", description = "The server's JSON.") boolean json) {
        Remote.list(spec, Remote.client(spec).listMembers(id), json, new String[] {"PRINCIPAL", "KIND", "NAME", "ROLE", "JOINED"},
                m -> new String[] {Remote.text(m, "principalId"), Remote.text(m, "kind"), Remote.text(m, "name"), Remote.text(m, "role"),
                        Remote.text(m, "joinedAt")});
    }
}
