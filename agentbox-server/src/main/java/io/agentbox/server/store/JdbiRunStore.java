package io.agentbox.server.store;

import org.jdbi.v3.core.Handle;

import io.agentbox.server.model.Page;
import io.agentbox.server.model.Run;
import io.agentbox.server.model.RunEvent;
import io.agentbox.agent.RunStatus;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.Update;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

public final class JdbiRunStore implements RunStore {
    private static final List<String> IN_FLIGHT = List.of(RunStatus.BOOTING.wireName(), RunStatus.RUNNING.wireName());

    static final RowMapper<Run> RUN = (rs, ctx) -> new Run(
            rs.getString("id"), rs.getString("workspace_id"), Rows.optString(rs, "session_id"), rs.getString("created_by"),
            RunStatus.fromWireName(rs.getString("status")).orElseThrow(), rs.getString("prompt"),
            Rows.optString(rs, "model"), rs.getString("template"), rs.getString("options_json"),
            Rows.optString(rs, "node_id"), Rows.optString(rs, "sandbox_id"), Rows.instant(rs, "created_at"),
            Rows.optInstant(rs, "started_at"), Rows.optInstant(rs, "finished_at"), Rows.optInstant(rs, "heartbeat_at"),
            Rows.optInstant(rs, "deadline_at"), Rows.optInstant(rs, "cancel_requested_at"), Rows.optString(rs, "result"),
            Rows.optString(rs, "usage_json"), Rows.optString(rs, "cost_json"), rs.getDouble("cost_usd"),
            Rows.optInt(rs, "turns"), Rows.optLong(rs, "duration_ms"), Rows.optString(rs, "error_category"),
            Rows.optString(rs, "error_message"));

    private final Database db;

    public JdbiRunStore(Database db) {
        this.db = db;
    }

    @Override
    public void insert(Run r) {
        db.writeVoid(h -> insert(h, r));
    }

    /** Inserts inside the caller's transaction. */
    static void insert(org.jdbi.v3.core.Handle h, Run r) {
        h.createUpdate("""
                        INSERT INTO runs (id, workspace_id, session_id, created_by, status, prompt, model, template,
                                          options_json, created_at)
                        VALUES (:id, :ws, :session, :by, :status, :prompt, :model, :template, :options, :at)""")
                .bind("id", r.id()).bind("ws", r.workspaceId()).bind("session", r.sessionId().orElse(null))
                .bind("by", r.createdBy()).bind("status", r.status().wireName()).bind("prompt", r.prompt())
                .bind("model", r.model().orElse(null)).bind("template", r.template()).bind("options", r.optionsJson())
                .bind("at", r.createdAt().toEpochMilli())
                .execute();
    }

    @Override
    public Optional<Run> find(String id) {
        return db.read(h -> h.createQuery("SELECT * FROM runs WHERE id = :id").bind("id", id).map(RUN).findOne());
    }

    @Override
    public Page<Run> list(RunQuery q) {
        if (q.workspaceIds().isEmpty()) return new Page<>(List.of(), Optional.empty());
        StringBuilder sql = new StringBuilder("SELECT * FROM runs WHERE workspace_id IN (<ws>)");
        q.status().ifPresent(s -> sql.append(" AND status = :status"));
        q.since().ifPresent(s -> sql.append(" AND created_at >= :since"));
        q.sessionId().ifPresent(s -> sql.append(" AND session_id = :session"));
        q.createdBy().ifPresent(s -> sql.append(" AND created_by = :createdBy"));
        Optional<Cursor> cursor = q.cursor().map(Cursor::decode);
        cursor.ifPresent(c -> sql.append(" AND (created_at < :cAt OR (created_at = :cAt AND id < :cId))"));
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT :limit");
        List<Run> rows = db.read(h -> {
            Query query = h.createQuery(sql.toString()).bindList("ws", List.copyOf(q.workspaceIds())).bind("limit", q.limit() + 1);
            q.status().ifPresent(s -> query.bind("status", s.wireName()));
            q.since().ifPresent(s -> query.bind("since", s.toEpochMilli()));
            q.sessionId().ifPresent(s -> query.bind("session", s));
            q.createdBy().ifPresent(s -> query.bind("createdBy", s));
            cursor.ifPresent(c -> query.bind("cAt", c.createdAt()).bind("cId", c.id()));
            return query.map(RUN).list();
        });
        if (rows.size() <= q.limit()) return new Page<>(rows, Optional.empty());
        List<Run> page = rows.subList(0, q.limit());
        Run last = page.get(page.size() - 1);
        return new Page<>(page, Optional.of(new Cursor(last.createdAt().toEpochMilli(), last.id()).encode()));
    }

    /** Position after the last row of a page; opaque to clients. */
    record Cursor(long createdAt, String id) {
        String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((createdAt + ":" + id).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String s) {
            try {
                String v = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
                int colon = v.indexOf(':');
                return new Cursor(Long.parseLong(v.substring(0, colon)), v.substring(colon + 1));
            } catch (RuntimeException e) {
                throw new InvalidCursorException();
            }
        }
    }

    @Override
    public Transition transition(String id, RunStatus from, RunStatus to, RunUpdate u, Optional<EventDraft> event, Instant now) {
        return db.writeOrdered(h -> transition(h, id, from, to, u, event, now));
    }

    @Override
    public Transition claim(String id, String workspaceId, int quota, RunUpdate u, Instant now) {
        return db.writeOrdered(h -> {
            // PostgreSQL: claims of one workspace queue on a lock held to the end of the transaction, so each
            // counts the claims committed before it (SQLite has a single writer: its writes are already serial)
            if (db.kind() == Database.Kind.POSTGRESQL) {
                h.createQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext(:ws))) l").bind("ws", workspaceId).mapTo(Integer.class).one();
            }
            int inFlight = h.createQuery("SELECT COUNT(*) FROM runs WHERE workspace_id = :ws AND status IN (<st>)")
                    .bind("ws", workspaceId).bindList("st", IN_FLIGHT).mapTo(Integer.class).one();
            if (inFlight >= quota) return Transition.STALE;
            return transition(h, id, RunStatus.QUEUED, RunStatus.BOOTING, u, Optional.empty(), now);
        });
    }

    @Override
    public void nodeHeartbeat(String nodeId, Instant startedAt, Instant now) {
        db.writeOrdered(h -> h.createUpdate("INSERT INTO nodes (node_id, started_at, heartbeat_at) VALUES (:n, :s, :at) "
                        + "ON CONFLICT (node_id) DO UPDATE SET started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at")
                .bind("n", nodeId).bind("s", startedAt.toEpochMilli()).bind("at", now.toEpochMilli()).execute());
    }

    @Override
    public java.util.Set<String> liveNodes(Instant since) {
        return db.read(h -> java.util.Set.copyOf(h.createQuery("SELECT node_id FROM nodes WHERE heartbeat_at > :since")
                .bind("since", since.toEpochMilli()).mapTo(String.class).list()));
    }

    @Override
    public Optional<String> lastNodeOfSession(String sessionId) {
        return db.read(h -> h.createQuery("SELECT node_id FROM runs WHERE session_id = :s AND node_id IS NOT NULL "
                        + "ORDER BY created_at DESC, id DESC LIMIT 1")
                .bind("s", sessionId).mapTo(String.class).findOne());
    }

    private static Transition transition(Handle h, String id, RunStatus from, RunStatus to, RunUpdate u, Optional<EventDraft> event, Instant now) {
        {
            StringBuilder sql = new StringBuilder("UPDATE runs SET status = :to");
            List<String> sets = new ArrayList<>();
            Map<String, Object> values = new HashMap<>();
            set(sets, values, "node_id", u.nodeId());
            set(sets, values, "started_at", u.startedAt().map(Instant::toEpochMilli));
            set(sets, values, "finished_at", u.finishedAt().map(Instant::toEpochMilli));
            set(sets, values, "deadline_at", u.deadlineAt().map(Instant::toEpochMilli));
            set(sets, values, "heartbeat_at", to.terminal() ? Optional.empty() : Optional.of(now.toEpochMilli()));
            set(sets, values, "result", u.result());
            set(sets, values, "usage_json", u.usageJson());
            set(sets, values, "cost_json", u.costJson());
            set(sets, values, "cost_usd", u.costUsd());
            set(sets, values, "turns", u.turns());
            set(sets, values, "duration_ms", u.durationMs());
            set(sets, values, "error_category", u.errorCategory());
            set(sets, values, "error_message", u.errorMessage());
            for (String s : sets) sql.append(", ").append(s).append(" = :").append(s);
            sql.append(" WHERE id = :id AND status = :from");
            Update update = h.createUpdate(sql.toString()).bind("to", to.wireName()).bind("id", id).bind("from", from.wireName());
            values.forEach(update::bind);
            if (update.execute() != 1) return Transition.STALE;
            Optional<RunEvent> appended = event.map(e -> JdbiEventStore.append(h, id, e.type(), e.dataJson(), now));
            return new Transition(true, appended);
        }
    }

    private static void set(List<String> sets, Map<String, Object> values, String column, Optional<?> value) {
        value.ifPresent(v -> {
            sets.add(column);
            values.put(column, v);
        });
    }

    @Override
    public void setSandbox(String id, String sandboxId) {
        db.writeOrdered(h -> h.createUpdate("UPDATE runs SET sandbox_id = :s WHERE id = :id").bind("s", sandboxId).bind("id", id).execute());
    }

    @Override
    public void requestCancel(String id, Instant now) {
        db.writeOrdered(h -> h.createUpdate("UPDATE runs SET cancel_requested_at = :at WHERE id = :id AND cancel_requested_at IS NULL")
                .bind("at", now.toEpochMilli()).bind("id", id).execute());
    }

    @Override
    public void heartbeat(String nodeId, Instant now) {
        db.writeOrdered(h -> h.createUpdate("UPDATE runs SET heartbeat_at = :at WHERE node_id = :n AND status IN (<st>)")
                .bind("at", now.toEpochMilli()).bind("n", nodeId).bindList("st", IN_FLIGHT).execute());
    }

    @Override
    public List<Run> inFlight(String nodeId) {
        return db.read(h -> h.createQuery("SELECT * FROM runs WHERE node_id = :n AND status IN (<st>) ORDER BY created_at")
                .bind("n", nodeId).bindList("st", IN_FLIGHT).map(RUN).list());
    }

    @Override
    public List<Run> queued(int limit) {
        return db.read(h -> h.createQuery("SELECT * FROM runs WHERE status = 'queued' ORDER BY created_at, id LIMIT :l")
                .bind("l", limit).map(RUN).list());
    }

    @Override
    public Map<String, Integer> activeByWorkspace() {
        return db.read(h -> {
            Map<String, Integer> out = new HashMap<>();
            h.createQuery("SELECT workspace_id, COUNT(*) FROM runs WHERE status IN (<st>) GROUP BY workspace_id")
                    .bindList("st", IN_FLIGHT)
                    .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getInt(2)))
                    .forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        });
    }

    @Override
    public List<Run> olderThan(Collection<RunStatus> statuses, TimeColumn column, Instant before) {
        List<String> st = statuses.stream().map(RunStatus::wireName).toList();
        return db.read(h -> h.createQuery("SELECT * FROM runs WHERE status IN (<st>) AND " + column.column + " < :before")
                .bindList("st", st).bind("before", before.toEpochMilli()).map(RUN).list());
    }

    @Override
    public List<Run> cancelRequested(String nodeId) {
        return db.read(h -> h.createQuery(
                        "SELECT * FROM runs WHERE node_id = :n AND status IN (<st>) AND cancel_requested_at IS NOT NULL")
                .bind("n", nodeId).bindList("st", IN_FLIGHT).map(RUN).list());
    }

    @Override
    public Map<RunStatus, Long> countByStatus() {
        return db.read(h -> {
            Map<RunStatus, Long> out = new java.util.EnumMap<>(RunStatus.class);
            h.createQuery("SELECT status, COUNT(*) FROM runs GROUP BY status")
                    .map((rs, ctx) -> Map.entry(RunStatus.fromWireName(rs.getString(1)).orElseThrow(), rs.getLong(2)))
                    .forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        });
    }

    @Override
    public double spentSince(String workspaceId, Instant since) {
        return db.read(h -> h.createQuery("SELECT COALESCE(SUM(cost_usd), 0) FROM runs WHERE workspace_id = :w AND created_at >= :s")
                .bind("w", workspaceId).bind("s", since.toEpochMilli()).mapTo(Double.class).one());
    }
}
