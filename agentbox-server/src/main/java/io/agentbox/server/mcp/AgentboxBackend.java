package io.agentbox.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.event.Event;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What agentbox's MCP tools act on: a server's REST API ({@link ClientBackend}, as the caller), or the
 * machine's own sandboxes and runs (the CLI's {@code agentbox mcp} without a server). Bodies and
 * answers have the REST API's shapes, so the tools answer the same JSON either way. Failures are
 * {@link io.agentbox.client.AgentboxClientException}s with the API's error codes.
 */
public interface AgentboxBackend {
    /** {@code body} as for {@code POST /v1/sandboxes}. */
    JsonNode createSandbox(ObjectNode body);

    JsonNode listSandboxes(Optional<String> workspaceId);

    /** {@code body} as for {@code POST /v1/sandboxes/{id}/exec}; answers one result. */
    JsonNode exec(String sandboxId, ObjectNode body);

    byte[] readFile(String sandboxId, String path);

    JsonNode writeFile(String sandboxId, String path, byte[] content);

    void killSandbox(String sandboxId);

    /** {@code body} as for {@code POST /v1/runs}; answers the run. */
    JsonNode startRun(ObjectNode body);

    JsonNode getRun(String runId);

    /** Events recorded so far after {@code afterSeq}. */
    List<JsonNode> events(String runId, long afterSeq);

    /** Follows the run's events after {@code afterSeq} until its terminal event. */
    void watch(String runId, long afterSeq, Consumer<Event> onEvent);

    JsonNode cancelRun(String runId, Optional<String> reason);
}
