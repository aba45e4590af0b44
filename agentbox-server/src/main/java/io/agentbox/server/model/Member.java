package io.agentbox.server.model;

import java.time.Instant;

/** A principal's membership of one workspace. */
public record Member(String workspaceId, Principal principal, Role role, Instant joinedAt) {}
