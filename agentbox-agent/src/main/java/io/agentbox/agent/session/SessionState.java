package io.agentbox.agent.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.Cost;
import io.agentbox.agent.Usage;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A conversation as stored between turns: the real API messages (never re-pasted as text), the
 * sandbox it runs in, and its running totals.
 *
 * @param cwd the tools' working directory inside the sandbox
 */
public record SessionState(String id, Instant createdAt, Instant updatedAt, String model, Optional<String> sandboxId,
                           String cwd, List<ObjectNode> messages, int turns, Usage usage, Cost cost) {
    public SessionState {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sandboxId, "sandboxId");
        messages = List.copyOf(messages);
    }
}
