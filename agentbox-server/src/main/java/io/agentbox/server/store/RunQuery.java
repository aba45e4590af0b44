package io.agentbox.server.store;

import io.agentbox.agent.RunStatus;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/** A page of runs of some workspaces, newest first. */
public record RunQuery(Set<String> workspaceIds, Optional<RunStatus> status, Optional<Instant> since,
                       Optional<String> sessionId, Optional<String> createdBy, int limit, Optional<String> cursor) {
    public RunQuery {
        workspaceIds = Set.copyOf(workspaceIds);
    }

    public RunQuery(Set<String> workspaceIds, Optional<RunStatus> status, Optional<Instant> since,
                    Optional<String> sessionId, int limit, Optional<String> cursor) {
        this(workspaceIds, status, since, sessionId, Optional.empty(), limit, cursor);
    }
}
