package io.agentbox.server.store;

import io.agentbox.server.model.Page;
import io.agentbox.server.model.Run;
import io.agentbox.server.model.Session;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

public final class JdbiSessionStore implements SessionStore {
    private static final String COLUMNS = "id, workspace_id, created_by, status, model, template, options_json, sandbox_id, turns, "
            + "created_at, last_activity_at, ended_at, end_reason, usage_json, cost_json, cost_usd";
    private static final String IN_FLIGHT = "('queued', 'booting', 'running')";
    private static final RowMapper<Session> SESSION = (rs, ctx) -> new Session(
            rs.getString("id"), rs.getString("workspace_id"), rs.getString("created_by"),
            Session.Status.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)), Rows.optString(rs, "model"),
            rs.getString("template"), rs.getString("options_json"), Rows.optString(rs, "sandbox_id"), rs.getInt("turns"),
            Rows.instant(rs, "created_at"), Rows.instant(rs, "last_activity_at"), Rows.optInstant(rs, "ended_at"),
            Rows.optString(rs, "end_reason"), Rows.optString(rs, "usage_json"), Rows.optString(rs, "cost_json"),
            rs.getDouble("cost_usd"));

    private final Database db;

    public JdbiSessionStore(Database db) {
        this.db = db;
    }

    @Override
    public void insert(Session s) {
        db.writeVoid(h -> h.createUpdate("""
                        INSERT INTO sessions (id, workspace_id, created_by, status, model, template, options_json,
                                              created_at, last_activity_at)
                        VALUES (:id, :ws, :by, 'active', :model, :template, :options, :at, :at)""")
                .bind("id", s.id()).bind("ws", s.workspaceId()).bind("by", s.createdBy())
                .bind("model", s.model().orElse(null)).bind("template", s.template()).bind("options", s.optionsJson())
                .bind("at", s.createdAt().toEpochMilli())
                .execute());
    }

    @Override
    public Optional<Session> find(String id) {
        return db.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM sessions WHERE id = :id").bind("id", id).map(SESSION).findOne());
    }

    @Override
    public Page<Session> list(Set<String> workspaceIds, Optional<Session.Status> status, int limit, Optional<String> cursor) {
        if (workspaceIds.isEmpty()) return new Page<>(List.of(), Optional.empty());
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM sessions WHERE workspace_id IN (<ws>)");
        status.ifPresent(s -> sql.append(" AND status = :status"));
        Optional<JdbiRunStore.Cursor> c = cursor.map(JdbiRunStore.Cursor::decode);
        c.ifPresent(x -> sql.append(" AND (created_at < :cAt OR (created_at = :cAt AND id < :cId))"));
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT :limit");
        List<Session> rows = db.read(h -> {
            Query q = h.createQuery(sql.toString()).bindList("ws", List.copyOf(workspaceIds)).bind("limit", limit + 1);
            status.ifPresent(s -> q.bind("status", s.name().toLowerCase(Locale.ROOT)));
            c.ifPresent(x -> q.bind("cAt", x.createdAt()).bind("cId", x.id()));
            return q.map(SESSION).list();
        });
        if (rows.size() <= limit) return new Page<>(rows, Optional.empty());
        List<Session> page = rows.subList(0, limit);
        Session last = page.getLast();
        return new Page<>(page, Optional.of(new JdbiRunStore.Cursor(last.createdAt().toEpochMilli(), last.id()).encode()));
    }

    @Override
    public TurnResult insertTurn(Run run, Instant now) {
        String sessionId = run.sessionId().orElseThrow();
        return db.write(h -> {
            // PostgreSQL: the row lock serializes turns of one session across nodes; SQLite: writes are serialized anyway.
            String lock = db.kind() == Database.Kind.POSTGRESQL ? " FOR UPDATE" : "";
            Optional<String> status = h.createQuery("SELECT status FROM sessions WHERE id = :id" + lock)
                    .bind("id", sessionId).mapTo(String.class).findOne();
            if (status.isEmpty() || !status.get().equals("active")) return TurnResult.NOT_ACTIVE;
            int busy = h.createQuery("SELECT COUNT(*) FROM runs WHERE session_id = :id AND status IN " + IN_FLIGHT)
                    .bind("id", sessionId).mapTo(Integer.class).one();
            if (busy > 0) return TurnResult.BUSY;
            JdbiRunStore.insert(h, run);
            h.createUpdate("UPDATE sessions SET last_activity_at = :at WHERE id = :id")
                    .bind("at", now.toEpochMilli()).bind("id", sessionId).execute();
            return TurnResult.QUEUED;
        });
    }

    @Override
    public Optional<String> conversation(String id) {
        return db.read(h -> h.createQuery("SELECT conversation FROM sessions WHERE id = :id").bind("id", id)
                .map((rs, ctx) -> Optional.ofNullable(rs.getString(1))).findOne().flatMap(o -> o));
    }

    @Override
    public void saveConversation(String id, String conversationJson, Optional<String> sandboxId, int turns, String usageJson,
                                 String costJson, double costUsd, Instant now) {
        db.writeVoid(h -> h.createUpdate("""
                        UPDATE sessions SET conversation = :c, sandbox_id = COALESCE(:sbx, sandbox_id), turns = :turns,
                               usage_json = :usage, cost_json = :cost, cost_usd = :usd, last_activity_at = :at
                        WHERE id = :id""")
                .bind("c", conversationJson).bind("sbx", sandboxId.orElse(null)).bind("turns", turns)
                .bind("usage", usageJson).bind("cost", costJson).bind("usd", costUsd).bind("at", now.toEpochMilli())
                .bind("id", id).execute());
    }

    @Override
    public void setSandbox(String id, String sandboxId) {
        db.writeVoid(h -> h.createUpdate("UPDATE sessions SET sandbox_id = :s WHERE id = :id").bind("s", sandboxId).bind("id", id).execute());
    }

    @Override
    public boolean end(String id, String reason, Instant now) {
        return db.write(h -> h.createUpdate(
                        "UPDATE sessions SET status = 'ended', ended_at = :at, end_reason = :r WHERE id = :id AND status = 'active'")
                .bind("at", now.toEpochMilli()).bind("r", reason).bind("id", id).execute() == 1);
    }

    @Override
    public List<Session> idleSince(Instant before) {
        return db.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM sessions s WHERE status = 'active' AND last_activity_at < :b"
                        + " AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.session_id = s.id AND r.status IN " + IN_FLIGHT + ")")
                .bind("b", before.toEpochMilli()).map(SESSION).list());
    }
}
