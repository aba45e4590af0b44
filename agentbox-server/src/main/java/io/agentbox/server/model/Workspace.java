package io.agentbox.server.model;

import java.time.Instant;
import java.util.Optional;

/** A tenant: runs, sessions, sandboxes and artifacts belong to exactly one workspace. */
public record Workspace(String id, String name, Optional<Double> dailyBudgetUsd, Optional<Integer> maxConcurrentRuns,
                        Instant createdAt) {}
