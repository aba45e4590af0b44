package io.agentbox.agent.tools;

import java.util.Objects;

/** What a tool call gives back to the model: text, and whether it is an error ({@code is_error}). */
public record ToolOutput(String content, boolean isError) {
    public ToolOutput {
        Objects.requireNonNull(content, "content");
    }

    public static ToolOutput ok(String content) {
        return new ToolOutput(content, false);
    }

    public static ToolOutput error(String message) {
        return new ToolOutput(message, true);
    }
}
