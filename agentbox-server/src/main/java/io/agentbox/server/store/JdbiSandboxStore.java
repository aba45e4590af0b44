package io.agentbox.server.store;

import io.agentbox.server.model.SandboxRecord;
import org.jdbi.v3.core.mapper.RowMapper;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

public final class JdbiSandboxStore implements SandboxStore {
    private static final RowMapper<SandboxRecord> SANDBOX = (rs, ctx) -> new SandboxRecord(
            rs.getString("id"), rs.getString("workspace_id"), rs.getString("created_by"),
            SandboxRecord.Kind.valueOf(rs.getString("kind").toUpperCase(Locale.ROOT)), Rows.optString(rs, "owner_id"),
            rs.getString("template"), Rows.instant(rs, "created_at"), Rows.optInstant(rs, "ended_at"),
            Rows.optString(rs, "end_reason"), rs.getLong("memory_mb"));

    private final Database db;

    public JdbiSandboxStore(Database db) {
        this.db = db;
    }

    @Override
    public void insert(SandboxRecord r) {
        db.writeVoid(h -> h.createUpdate("""
                        INSERT INTO sandboxes (id, workspace_id, created_by, kind, owner_id, template, created_at, memory_mb)
                        VALUES (:id, :ws, :by, :kind, :owner, :template, :at, :mem)""")
                .bind("id", r.id()).bind("ws", r.workspaceId()).bind("by", r.createdBy())
                .bind("kind", r.kind().name().toLowerCase(Locale.ROOT)).bind("owner", r.ownerId().orElse(null))
                .bind("template", r.template()).bind("at", r.createdAt().toEpochMilli()).bind("mem", r.memoryMb())
                .execute());
    }

    @Override
    public Optional<SandboxRecord> find(String id) {
        return db.read(h -> h.createQuery("SELECT * FROM sandboxes WHERE id = :id").bind("id", id).map(SANDBOX).findOne());
    }

    @Override
    public List<SandboxRecord> liveOf(String workspaceId) {
        return db.read(h -> h.createQuery(
                        "SELECT * FROM sandboxes WHERE workspace_id = :w AND ended_at IS NULL ORDER BY created_at DESC, id DESC")
                .bind("w", workspaceId).map(SANDBOX).list());
    }

    @Override
    public Usage usageOf(String workspaceId) {
        return db.read(h -> h.createQuery(
                        "SELECT COUNT(*) AS n, COALESCE(SUM(memory_mb), 0) AS mem FROM sandboxes WHERE workspace_id = :w AND ended_at IS NULL")
                .bind("w", workspaceId).map((rs, ctx) -> new Usage(rs.getInt("n"), rs.getLong("mem"))).one());
    }

    @Override
    public List<SandboxRecord> live() {
        return db.read(h -> h.createQuery("SELECT * FROM sandboxes WHERE ended_at IS NULL").map(SANDBOX).list());
    }

    @Override
    public void markEnded(String id, String reason, Instant now) {
        db.writeVoid(h -> h.createUpdate("UPDATE sandboxes SET ended_at = :at, end_reason = :r WHERE id = :id AND ended_at IS NULL")
                .bind("at", now.toEpochMilli()).bind("r", reason).bind("id", id).execute());
    }
}
