package io.agentbox.server.runs;

import io.agentbox.server.auth.Caller;
import io.agentbox.server.http.ApiException;
import io.agentbox.server.model.Artifact;
import io.agentbox.server.model.ReviewState;
import io.agentbox.server.model.Role;
import io.agentbox.server.model.Run;
import io.agentbox.server.store.ArtifactStore;

import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;

/** Reading and reviewing captured artifacts; members read, admins and owners review. */
public final class ArtifactService {
    private final ArtifactStore store;
    private final RunService runs;
    private final Clock clock;

    public ArtifactService(ArtifactStore store, RunService runs, Clock clock) {
        this.store = store;
        this.runs = runs;
        this.clock = clock;
    }

    public List<Artifact> ofRun(Caller caller, String runId) {
        Run run = runs.get(caller, runId);
        return store.ofRun(run.id());
    }

    public Artifact get(Caller caller, String runId, String artifactId) {
        Run run = runs.get(caller, runId);
        return store.find(artifactId).filter(a -> a.runId().equals(run.id()))
                .orElseThrow(() -> ApiException.notFound("artifact " + artifactId));
    }

    public <T> T content(Artifact artifact, Function<InputStream, T> reader) {
        return store.readContent(artifact.id(), reader).orElseThrow(() -> ApiException.notFound("artifact " + artifact.id()));
    }

    public Artifact review(Caller caller, String runId, String artifactId, ReviewState state) {
        Artifact a = get(caller, runId, artifactId);
        Role role = caller.requireMember(a.workspaceId(), "artifact " + artifactId);
        if (!role.atLeast(Role.ADMIN)) throw ApiException.forbidden("only workspace admins and owners review artifacts");
        return store.review(a.id(), state, caller.principalId(), clock.instant())
                .orElseThrow(() -> ApiException.notFound("artifact " + artifactId));
    }

    public List<Artifact> inReviewState(Caller caller, String workspaceId, ReviewState state, int limit) {
        caller.requireMember(workspaceId, "workspace " + workspaceId);
        return store.inReviewState(workspaceId, state, limit);
    }
}
