package io.agentbox.agent.permission;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;
import java.util.Optional;

/** The answer to a permission request. */
public sealed interface PermissionDecision {
    /** Run the tool, optionally with a changed input. */
    record Allow(Optional<JsonNode> updatedInput) implements PermissionDecision {
        public Allow {
            Objects.requireNonNull(updatedInput, "updatedInput");
        }
    }

    /** Do not run it; the model gets {@code message} as an error result. */
    record Deny(String message) implements PermissionDecision {
        public Deny {
            Objects.requireNonNull(message, "message");
        }
    }

    static PermissionDecision allow() {
        return new Allow(Optional.empty());
    }

    static PermissionDecision allow(JsonNode updatedInput) {
        return new Allow(Optional.of(updatedInput));
    }

    static PermissionDecision deny(String message) {
        return new Deny(message);
    }
}
