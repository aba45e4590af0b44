package io.agentbox.testkit;

/**
 * Token usage reported for one reply. Scripts that test cost accounting give it explicitly; without
 * it the fake estimates input tokens from the request size and output tokens from the reply text.
 */
public record Usage(long inputTokens, long outputTokens, long cacheCreationInputTokens, long cacheReadInputTokens) {

    public Usage {
        if (inputTokens < 0 || outputTokens < 0 || cacheCreationInputTokens < 0 || cacheReadInputTokens < 0) {
            throw new IllegalArgumentException("token counts must not be negative");
        }
    }

    public static Usage of(long inputTokens, long outputTokens) {
        return new Usage(inputTokens, outputTokens, 0, 0);
    }

    public static Usage of(long inputTokens, long outputTokens, long cacheCreationInputTokens, long cacheReadInputTokens) {
        return new Usage(inputTokens, outputTokens, cacheCreationInputTokens, cacheReadInputTokens);
    }
}
