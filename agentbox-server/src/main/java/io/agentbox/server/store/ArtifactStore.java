package io.agentbox.server.store;

import io.agentbox.server.model.Artifact;
import io.agentbox.server.model.ReviewState;

import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Files captured from runs, their content and their review state. */
public interface ArtifactStore {
    void insert(Artifact artifact, byte[] content);

    /** A changed file that was not captured, and why. */
    record Skipped(String path, long size, String reason) {}

    void insertSkipped(String runId, List<Skipped> skipped, Instant now);

    List<Skipped> skippedOf(String runId);

    List<Artifact> ofRun(String runId);

    Optional<Artifact> find(String id);

    /** Streams the content to {@code reader} while the row is open; empty when the artifact does not exist. */
    <T> Optional<T> readContent(String id, Function<InputStream, T> reader);

    Optional<Artifact> review(String id, ReviewState state, String reviewer, Instant now);

    /** The bytes of all artifacts stored for the workspace's runs. */
    long bytesOfWorkspace(String workspaceId);

    /** Artifacts of a workspace in a review state, newest first. */
    List<Artifact> inReviewState(String workspaceId, ReviewState state, int limit);
}
