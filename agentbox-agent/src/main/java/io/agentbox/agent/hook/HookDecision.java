package io.agentbox.agent.hook;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/** What a {@link PreToolUseHook} says about a tool call. */
public sealed interface HookDecision {
    /** No opinion: rules, mode and permission callback decide. */
    record Continue() implements HookDecision {}

    /** Run it without asking for permission (deny rules still apply). */
    record Allow() implements HookDecision {}

    /** Do not run it; the model gets {@code reason} as an error result. */
    record Deny(String reason) implements HookDecision {
        public Deny {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Run it with this input instead (rules and permission are checked against the new input). */
    record Modify(JsonNode input) implements HookDecision {
        public Modify {
            Objects.requireNonNull(input, "input");
        }
    }

    static HookDecision proceed() {
        return new Continue();
    }

    static HookDecision allow() {
        return new Allow();
    }

    static HookDecision deny(String reason) {
        return new Deny(reason);
    }

    static HookDecision modify(JsonNode input) {
        return new Modify(input);
    }
}
