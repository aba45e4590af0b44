package io.agentbox.agent.model;

import io.agentbox.agent.Cancellation;

/**
 * A streaming Messages API. The default is {@link AnthropicModelClient}; the testkit's fake server
 * is reached through it too, so tests run the real client code.
 */
public interface ModelClient extends AutoCloseable {
    /**
     * Sends one request, streaming to {@code listener}, and returns the complete message. Retries
     * transient failures itself. Throws {@link ModelException} (typed) when it gives up, and an
     * {@link io.agentbox.AgentboxException} with category {@code canceled} when canceled.
     */
    ModelResponse send(ModelRequest request, ModelListener listener, Cancellation cancellation);

    /**
     * The endpoint and credential of this client, for runtimes that call the model from elsewhere
     * (Claude Code in the sandbox); empty when it cannot be shared that way.
     */
    default java.util.Optional<ModelEndpoint> endpoint() {
        return java.util.Optional.empty();
    }

    /** The model used when none is given. */
    String defaultModel();

    @Override
    default void close() {}
}
