package io.agentbox.server.model;

import java.time.Instant;

public record Principal(String id, PrincipalKind kind, String name, Instant createdAt) {}
