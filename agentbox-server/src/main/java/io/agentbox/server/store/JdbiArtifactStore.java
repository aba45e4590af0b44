package io.agentbox.server.store;

import io.agentbox.server.model.Artifact;
import io.agentbox.server.model.ReviewState;
import org.jdbi.v3.core.mapper.RowMapper;

import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

public final class JdbiArtifactStore implements ArtifactStore {
    private static final RowMapper<Artifact> ARTIFACT = (rs, ctx) -> new Artifact(
            rs.getString("id"), rs.getString("run_id"), rs.getString("workspace_id"), rs.getString("path"),
            rs.getLong("size"), rs.getString("content_type"), rs.getString("sha256"),
            ReviewState.fromWireName(rs.getString("review_state")).orElseThrow(), Rows.optString(rs, "reviewed_by"),
            Rows.optInstant(rs, "reviewed_at"), Rows.instant(rs, "created_at"));

    private final Database db;

    public JdbiArtifactStore(Database db) {
        this.db = db;
    }

    @Override
    public void insert(Artifact a, byte[] content) {
        db.writeVoid(h -> {
            h.createUpdate("""
                            INSERT INTO artifacts (id, run_id, workspace_id, path, size, content_type, sha256, review_state, created_at)
                            VALUES (:id, :run, :ws, :path, :size, :ct, :sha, :state, :at)""")
                    .bind("id", a.id()).bind("run", a.runId()).bind("ws", a.workspaceId()).bind("path", a.path())
                    .bind("size", a.size()).bind("ct", a.contentType()).bind("sha", a.sha256())
                    .bind("state", a.reviewState().wireName()).bind("at", a.createdAt().toEpochMilli())
                    .execute();
            h.createUpdate("INSERT INTO artifact_contents (artifact_id, content) VALUES (:id, :c)")
                    .bind("id", a.id()).bind("c", content).execute();
        });
    }

    @Override
    public void insertSkipped(String runId, List<Skipped> skipped, Instant now) {
        if (skipped.isEmpty()) return;
        db.writeVoid(h -> {
            var batch = h.prepareBatch("INSERT INTO artifact_skips (run_id, path, size, reason, created_at) VALUES (:r, :p, :s, :why, :at)");
            for (Skipped s : skipped) {
                batch.bind("r", runId).bind("p", s.path()).bind("s", s.size()).bind("why", s.reason()).bind("at", now.toEpochMilli()).add();
            }
            batch.execute();
        });
    }

    @Override
    public List<Skipped> skippedOf(String runId) {
        return db.read(h -> h.createQuery("SELECT path, size, reason FROM artifact_skips WHERE run_id = :r ORDER BY path")
                .bind("r", runId).map((rs, ctx) -> new Skipped(rs.getString(1), rs.getLong(2), rs.getString(3))).list());
    }

    @Override
    public List<Artifact> ofRun(String runId) {
        return db.read(h -> h.createQuery("SELECT * FROM artifacts WHERE run_id = :r ORDER BY path").bind("r", runId).map(ARTIFACT).list());
    }

    @Override
    public Optional<Artifact> find(String id) {
        return db.read(h -> h.createQuery("SELECT * FROM artifacts WHERE id = :id").bind("id", id).map(ARTIFACT).findOne());
    }

    @Override
    public <T> Optional<T> readContent(String id, Function<InputStream, T> reader) {
        return db.read(h -> h.createQuery("SELECT content FROM artifact_contents WHERE artifact_id = :id")
                .bind("id", id)
                .map((rs, ctx) -> reader.apply(rs.getBinaryStream(1)))
                .findOne());
    }

    @Override
    public Optional<Artifact> review(String id, ReviewState state, String reviewer, Instant now) {
        return db.write(h -> {
            int n = h.createUpdate("UPDATE artifacts SET review_state = :s, reviewed_by = :by, reviewed_at = :at WHERE id = :id")
                    .bind("s", state.wireName()).bind("by", reviewer).bind("at", now.toEpochMilli()).bind("id", id).execute();
            if (n == 0) return Optional.<Artifact>empty();
            return h.createQuery("SELECT * FROM artifacts WHERE id = :id").bind("id", id).map(ARTIFACT).findOne();
        });
    }

    @Override
    public long bytesOfWorkspace(String workspaceId) {
        return db.read(h -> h.createQuery("SELECT COALESCE(SUM(size), 0) FROM artifacts WHERE workspace_id = :w")
                .bind("w", workspaceId).mapTo(Long.class).one());
    }

    @Override
    public List<Artifact> inReviewState(String workspaceId, ReviewState state, int limit) {
        return db.read(h -> h.createQuery("""
                        SELECT * FROM artifacts WHERE workspace_id = :w AND review_state = :s
                        ORDER BY created_at DESC, id DESC LIMIT :l""")
                .bind("w", workspaceId).bind("s", state.wireName()).bind("l", limit).map(ARTIFACT).list());
    }
}
