package io.agentbox.agent;

/**
 * Tokens as the Messages API reported them, for one model call or summed over a run.
 * {@code inputTokens} excludes the cached parts, as in the API.
 */
public record Usage(long inputTokens, long outputTokens, long cacheCreationInputTokens, long cacheReadInputTokens) {
    public static final Usage ZERO = new Usage(0, 0, 0, 0);

    public Usage plus(Usage o) {
        return new Usage(inputTokens + o.inputTokens, outputTokens + o.outputTokens,
                cacheCreationInputTokens + o.cacheCreationInputTokens, cacheReadInputTokens + o.cacheReadInputTokens);
    }

    /** Everything the model read for the call: the size of the conversation it saw. */
    public long contextTokens() {
        return inputTokens + cacheCreationInputTokens + cacheReadInputTokens;
    }
}
