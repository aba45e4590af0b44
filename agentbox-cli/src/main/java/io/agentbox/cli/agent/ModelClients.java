package io.agentbox.cli.agent;

import io.agentbox.agent.model.AnthropicModelClient;
import io.agentbox.agent.model.ModelClient;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The model client of {@code run} and {@code chat}, built on a thread of its own from the start of
 * the process: building it loads the HTTP and JSON stacks, which takes as long as parsing the
 * command line and creating the sandbox together, so the two overlap.
 */
public final class ModelClients {
    private static volatile CompletableFuture<ModelClient> prefetched;

    private ModelClients() {}

    /** Starts building the client from the environment (and {@code ./.env}) in the background. */
    public static void prefetch() {
        prefetched = CompletableFuture.supplyAsync(AnthropicModelClient::fromEnvironment, task -> Thread.ofPlatform().daemon().start(task));
    }

    /** The prefetched client, or a new one; throws what building it threw (e.g. no API key). */
    static ModelClient fromEnvironment() {
        CompletableFuture<ModelClient> f = prefetched;
        if (f == null) return AnthropicModelClient.fromEnvironment();
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }
}
