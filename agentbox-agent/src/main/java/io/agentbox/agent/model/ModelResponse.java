package io.agentbox.agent.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.Usage;

import java.util.List;

/**
 * The assistant message of one call, in the API's JSON shape (thinking blocks keep their signatures).
 *
 * @param cacheWrite1hTokens the part of {@code usage.cacheCreationInputTokens} written with the 1-hour TTL
 */
public record ModelResponse(String id, String model, List<ObjectNode> content, String stopReason, Usage usage,
                            long cacheWrite1hTokens) {
    public ModelResponse {
        content = List.copyOf(content);
    }
}
