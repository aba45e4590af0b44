package io.agentbox.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.event.Event;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.client.AgentboxClient;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The tools over an agentbox server's REST API: its authentication, tenancy, validation and rate limits apply as they are. */
public record ClientBackend(AgentboxClient client) implements AgentboxBackend {
    @Override public JsonNode createSandbox(ObjectNode body) { return client.createSandbox(body); }
    @Override public JsonNode listSandboxes(Optional<String> workspaceId) { return client.listSandboxes(workspaceId); }
    @Override public JsonNode exec(String sandboxId, ObjectNode body) { return client.exec(sandboxId, body); }
    @Override public byte[] readFile(String sandboxId, String path) { return client.readFile(sandboxId, path); }
    @Override public JsonNode writeFile(String sandboxId, String path, byte[] content) { return client.writeFile(sandboxId, path, content); }
    @Override public void killSandbox(String sandboxId) { client.killSandbox(sandboxId); }
    @Override public JsonNode startRun(ObjectNode body) { return client.createRun(body); }
    @Override public JsonNode getRun(String runId) { return client.getRun(runId); }
    @Override public List<JsonNode> events(String runId, long afterSeq) { return client.events(runId, afterSeq); }
    @Override public void watch(String runId, long afterSeq, Consumer<Event> onEvent) { client.watch(runId, afterSeq, onEvent); }
    @Override public JsonNode cancelRun(String runId, Optional<String> reason) { return client.cancelRun(runId, reason); }
}
