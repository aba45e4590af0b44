package io.agentbox.testkit;

import java.util.Locale;

/** Why the scripted model stopped, as sent in {@code message_delta.delta.stop_reason}. */
public enum StopReason {
    END_TURN,
    TOOL_USE,
    MAX_TOKENS,
    STOP_SEQUENCE,
    PAUSE_TURN,
    REFUSAL,
    MODEL_CONTEXT_WINDOW_EXCEEDED;

    /** The wire name, e.g. {@code end_turn}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static StopReason fromWireName(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown stop_reason '" + name + "'");
        }
    }
}
