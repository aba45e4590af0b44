package io.agentbox.agent.output;

import java.util.Arrays;

/** Machine-readable output formats of a run ({@code text} is the CLI's console renderer). */
public enum OutputFormat {
    /** One object at the end: runId, status, result, turns, durationMs, usage, cost, error. */
    JSON("json"),
    /** Every event as one JSON line, in the event schema. */
    STREAM_JSON("stream-json"),
    /** Claude Code's {@code --output-format stream-json --verbose} shapes: system init, assistant, user, result. */
    CLAUDE_STREAM_JSON("claude-stream-json");

    private final String wireName;

    OutputFormat(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static OutputFormat fromWireName(String name) {
        return Arrays.stream(values()).filter(f -> f.wireName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown output format '" + name
                        + "' (expected text, json, stream-json or claude-stream-json)"));
    }

    public EventFormatter newFormatter() {
        return switch (this) {
            case JSON -> new JsonResultFormatter();
            case STREAM_JSON -> e -> java.util.List.of(io.agentbox.agent.event.Events.toJson(e));
            case CLAUDE_STREAM_JSON -> new ClaudeStreamJsonFormatter();
        };
    }
}
