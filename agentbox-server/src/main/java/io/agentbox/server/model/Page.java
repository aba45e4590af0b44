package io.agentbox.server.model;

import java.util.List;
import java.util.Optional;

/** One page of a list and the opaque cursor of the next one. */
public record Page<T>(List<T> data, Optional<String> nextCursor) {
    public Page {
        data = List.copyOf(data);
    }
}
