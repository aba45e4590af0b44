package io.agentbox.agent.model;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One Messages API call. {@code messages} and {@code tools} are in the API's JSON shape, exactly as
 * they are sent (the client adds prompt-caching markers on the way out).
 *
 * @param thinkingBudget extended thinking budget in tokens; empty = no thinking
 */
public record ModelRequest(String model, String system, List<ObjectNode> messages, List<ObjectNode> tools,
                           int maxTokens, OptionalInt thinkingBudget) {
    public ModelRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(system, "system");
        messages = List.copyOf(messages);
        tools = List.copyOf(tools);
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be positive");
        Objects.requireNonNull(thinkingBudget, "thinkingBudget");
    }
}
