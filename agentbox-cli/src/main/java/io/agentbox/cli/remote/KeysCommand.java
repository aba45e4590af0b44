package io.agentbox.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.ErrorCategory;
import io.agentbox.cli.CliException;
import io.agentbox.cli.Json;
import io.agentbox.client.AgentboxClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code agentbox keys list|create|revoke}: API keys (service accounts) of a workspace. */
@Command(name = "keys", description = "API keys of a workspace on an agentbox server (default: your first workspace).")
public final class KeysCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", description = "Keys of the workspace.")
    void list(@Option(names = "--workspace", paramLabel = "ID") String workspace,
              @Option(names = "--json", description = "The server's JSON.") boolean json) {
        AgentboxClient client = Remote.client(spec);
        Remote.list(spec, client.listKeys(workspace(client, workspace)), json, new String[] {"ID", "NAME", "PRINCIPAL", "CREATED", "REVOKED"},
                k -> new String[] {Remote.text(k, "id"), Remote.text(k, "name"), Remote.text(k, "principalId"), Remote.text(k, "createdAt"),
                        Remote.text(k, "revokedAt")});
    }

    @Command(name = "create", description = "A new service account with this role and its key, printed once.")
    void create(@Option(names = "--workspace", paramLabel = "ID") String workspace,
                @Option(names = "--name", paramLabel = "NAME", required = true) String name,
                @Option(names = "--role", paramLabel = "ROLE", defaultValue = "member", description = "owner, admin, member (default) or viewer.") String role,
                @Option(names = "--json", description = "The server's JSON.") boolean json) {
        AgentboxClient client = Remote.client(spec);
        JsonNode key = client.createKey(workspace(client, workspace), name, role);
        if (json) {
            Json.print(Remote.out(spec), key);
            return;
        }
        Remote.out(spec).println(Remote.text(key, "key"));
        spec.commandLine().getErr().println("key " + Remote.text(key, "id") + " (" + Remote.text(key, "role") + "): shown only this once");
        spec.commandLine().getErr().flush();
    }

    @Command(name = "revoke", description = "Revoke a key; it stops working at once.")
    void revoke(@Parameters(paramLabel = "KEY_ID") String keyId, @Option(names = "--workspace", paramLabel = "ID") String workspace) {
        AgentboxClient client = Remote.client(spec);
        client.revokeKey(workspace(client, workspace), keyId);
    }

    /** The given workspace, or the caller's first one. */
    static String workspace(AgentboxClient client, String given) {
        if (given != null) return given;
        JsonNode all = client.listWorkspaces().path("data");
        if (all.isEmpty()) throw new CliException(ErrorCategory.CONFIG, "this key belongs to no workspace; pass --workspace");
        return all.get(0).get("id").asText();
    }
}
