package io.agentbox.server.store;

import io.agentbox.Ids;

import io.agentbox.server.model.ApiKey;
import io.agentbox.server.model.Member;
import io.agentbox.server.model.Principal;
import io.agentbox.server.model.PrincipalKind;
import io.agentbox.server.model.Role;
import io.agentbox.server.model.Workspace;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

import java.time.Instant;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

public final class JdbiTenancyStore implements TenancyStore {
    private static final String DEFAULT_WORKSPACE = "default_workspace";
    private static final String DEFAULT_OWNER = "default_owner";

    private static final RowMapper<Workspace> WORKSPACE = (rs, ctx) -> new Workspace(
            rs.getString("id"), rs.getString("name"), Rows.optDouble(rs, "daily_budget_usd"),
            Rows.optInt(rs, "max_concurrent_runs"), Rows.instant(rs, "created_at"));
    private static final RowMapper<Principal> PRINCIPAL = (rs, ctx) -> new Principal(
            rs.getString("id"), PrincipalKind.fromWireName(rs.getString("kind")), rs.getString("name"),
            Rows.instant(rs, "created_at"));
    private static final RowMapper<ApiKey> KEY = (rs, ctx) -> new ApiKey(
            rs.getString("id"), rs.getString("principal_id"), rs.getString("name"), rs.getString("secret_hash"),
            Rows.instant(rs, "created_at"), Rows.optInstant(rs, "last_used_at"), Rows.optInstant(rs, "revoked_at"));
    private static final RowMapper<Member> MEMBER = (rs, ctx) -> new Member(
            rs.getString("workspace_id"), PRINCIPAL.map(rs, ctx), Role.fromWireName(rs.getString("role")).orElseThrow(),
            Rows.instant(rs, "joined_at"));

    private final Database db;

    public JdbiTenancyStore(Database db) {
        this.db = db;
    }

    @Override
    public DefaultTenant ensureDefaultTenant(Instant now) {
        try {
            return createDefaultTenant(now);
        } catch (RuntimeException e) {
            // Another node sharing the database created it first: use theirs.
            Optional<DefaultTenant> existing = db.read(h -> state(h, DEFAULT_WORKSPACE)
                    .map(ws -> new DefaultTenant(ws, state(h, DEFAULT_OWNER).orElseThrow(), false)));
            return existing.orElseThrow(() -> e);
        }
    }

    private DefaultTenant createDefaultTenant(Instant now) {
        return db.write(h -> {
            Optional<String> ws = state(h, DEFAULT_WORKSPACE);
            if (ws.isPresent()) return new DefaultTenant(ws.get(), state(h, DEFAULT_OWNER).orElseThrow(), false);
            Principal owner = insertPrincipal(h, PrincipalKind.USER, "owner", now);
            Workspace w = insertWorkspace(h, "default", now);
            insertMember(h, w.id(), owner.id(), Role.OWNER, now);
            // Primary keys make a second node racing through here fail and retry, never double-create.
            h.createUpdate("INSERT INTO server_state (name, value) VALUES (:n, :v)")
                    .bind("n", DEFAULT_WORKSPACE).bind("v", w.id()).execute();
            h.createUpdate("INSERT INTO server_state (name, value) VALUES (:n, :v)")
                    .bind("n", DEFAULT_OWNER).bind("v", owner.id()).execute();
            return new DefaultTenant(w.id(), owner.id(), true);
        });
    }

    private static Optional<String> state(Handle h, String name) {
        return h.createQuery("SELECT value FROM server_state WHERE name = :n").bind("n", name).mapTo(String.class).findOne();
    }

    @Override
    public Workspace createWorkspace(String name, String ownerId, Instant now) {
        return db.write(h -> {
            Workspace w = insertWorkspace(h, name, now);
            insertMember(h, w.id(), ownerId, Role.OWNER, now);
            return w;
        });
    }

    private static Workspace insertWorkspace(Handle h, String name, Instant now) {
        Workspace w = new Workspace(Ids.newId("ws"), name, Optional.empty(), Optional.empty(), now);
        h.createUpdate("INSERT INTO workspaces (id, name, created_at) VALUES (:id, :name, :at)")
                .bind("id", w.id()).bind("name", name).bind("at", now.toEpochMilli()).execute();
        return w;
    }

    private static void insertMember(Handle h, String ws, String principal, Role role, Instant now) {
        h.createUpdate("INSERT INTO memberships (workspace_id, principal_id, role, created_at) VALUES (:w, :p, :r, :at)")
                .bind("w", ws).bind("p", principal).bind("r", role.wireName()).bind("at", now.toEpochMilli()).execute();
    }

    private static Principal insertPrincipal(Handle h, PrincipalKind kind, String name, Instant now) {
        Principal p = new Principal(Ids.newId("prn"), kind, name, now);
        h.createUpdate("INSERT INTO principals (id, kind, name, created_at) VALUES (:id, :k, :n, :at)")
                .bind("id", p.id()).bind("k", kind.wireName()).bind("n", name).bind("at", now.toEpochMilli()).execute();
        return p;
    }

    @Override
    public Optional<Workspace> workspace(String id) {
        return db.read(h -> h.createQuery("SELECT * FROM workspaces WHERE id = :id").bind("id", id).map(WORKSPACE).findOne());
    }

    @Override
    public List<Map.Entry<Workspace, Role>> workspacesOf(String principalId) {
        return db.read(h -> h.createQuery("""
                        SELECT w.*, m.role AS member_role FROM workspaces w JOIN memberships m ON m.workspace_id = w.id
                        WHERE m.principal_id = :p ORDER BY w.created_at, w.id""")
                .bind("p", principalId)
                .map((rs, ctx) -> (Map.Entry<Workspace, Role>) new AbstractMap.SimpleImmutableEntry<>(
                        WORKSPACE.map(rs, ctx), Role.fromWireName(rs.getString("member_role")).orElseThrow()))
                .list());
    }

    @Override
    public Map<String, Role> rolesOf(String principalId) {
        return db.read(h -> {
            Map<String, Role> out = new LinkedHashMap<>();
            h.createQuery("SELECT workspace_id, role FROM memberships WHERE principal_id = :p ORDER BY created_at, workspace_id")
                    .bind("p", principalId)
                    .map((rs, ctx) -> Map.entry(rs.getString(1), Role.fromWireName(rs.getString(2)).orElseThrow()))
                    .forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        });
    }

    @Override
    public void updateWorkspace(Workspace w) {
        db.writeVoid(h -> h.createUpdate(
                        "UPDATE workspaces SET name = :name, daily_budget_usd = :budget, max_concurrent_runs = :conc WHERE id = :id")
                .bind("id", w.id()).bind("name", w.name())
                .bind("budget", w.dailyBudgetUsd().orElse(null))
                .bind("conc", w.maxConcurrentRuns().orElse(null))
                .execute());
    }

    @Override
    public void deleteWorkspace(String id) {
        db.writeVoid(h -> h.createUpdate("DELETE FROM workspaces WHERE id = :id").bind("id", id).execute());
    }

    @Override
    public Principal createPrincipal(PrincipalKind kind, String name, Instant now) {
        return db.write(h -> insertPrincipal(h, kind, name, now));
    }

    @Override
    public Optional<Principal> principal(String id) {
        return db.read(h -> h.createQuery("SELECT * FROM principals WHERE id = :id").bind("id", id).map(PRINCIPAL).findOne());
    }

    private static final String MEMBER_SELECT = """
            SELECT m.workspace_id, m.role, m.created_at AS joined_at, p.* FROM memberships m
            JOIN principals p ON p.id = m.principal_id""";

    @Override
    public List<Member> members(String workspaceId) {
        return db.read(h -> h.createQuery(MEMBER_SELECT + " WHERE m.workspace_id = :w ORDER BY m.created_at, p.id")
                .bind("w", workspaceId).map(MEMBER).list());
    }

    @Override
    public Optional<Member> member(String workspaceId, String principalId) {
        return db.read(h -> h.createQuery(MEMBER_SELECT + " WHERE m.workspace_id = :w AND m.principal_id = :p")
                .bind("w", workspaceId).bind("p", principalId).map(MEMBER).findOne());
    }

    @Override
    public boolean addMember(String workspaceId, String principalId, Role role, Instant now) {
        return db.write(h -> {
            boolean exists = h.createQuery("SELECT 1 FROM memberships WHERE workspace_id = :w AND principal_id = :p")
                    .bind("w", workspaceId).bind("p", principalId).mapTo(Integer.class).findOne().isPresent();
            if (exists) return false;
            insertMember(h, workspaceId, principalId, role, now);
            return true;
        });
    }

    @Override
    public void setRole(String workspaceId, String principalId, Role role) {
        db.writeVoid(h -> h.createUpdate("UPDATE memberships SET role = :r WHERE workspace_id = :w AND principal_id = :p")
                .bind("r", role.wireName()).bind("w", workspaceId).bind("p", principalId).execute());
    }

    @Override
    public void removeMember(String workspaceId, String principalId) {
        db.writeVoid(h -> h.createUpdate("DELETE FROM memberships WHERE workspace_id = :w AND principal_id = :p")
                .bind("w", workspaceId).bind("p", principalId).execute());
    }

    @Override
    public Principal createServiceAccount(String workspaceId, String name, Role role, ApiKey key, Instant now) {
        return db.write(h -> {
            Principal p = insertPrincipal(h, PrincipalKind.SERVICE_ACCOUNT, name, now);
            insertMember(h, workspaceId, p.id(), role, now);
            insertKey(h, new ApiKey(key.id(), p.id(), key.name(), key.secretHash(), key.createdAt(), Optional.empty(), Optional.empty()));
            return p;
        });
    }

    @Override
    public void insertKey(ApiKey key) {
        db.writeVoid(h -> insertKey(h, key));
    }

    private static void insertKey(Handle h, ApiKey key) {
        h.createUpdate("INSERT INTO api_keys (id, principal_id, name, secret_hash, created_at) VALUES (:id, :p, :n, :hash, :at)")
                .bind("id", key.id()).bind("p", key.principalId()).bind("n", key.name()).bind("hash", key.secretHash())
                .bind("at", key.createdAt().toEpochMilli()).execute();
    }

    @Override
    public Optional<ApiKey> key(String id) {
        return db.read(h -> h.createQuery("SELECT * FROM api_keys WHERE id = :id").bind("id", id).map(KEY).findOne());
    }

    @Override
    public List<ApiKey> keysOfWorkspace(String workspaceId) {
        return db.read(h -> h.createQuery("""
                        SELECT k.* FROM api_keys k JOIN memberships m ON m.principal_id = k.principal_id
                        WHERE m.workspace_id = :w ORDER BY k.created_at DESC, k.id DESC""")
                .bind("w", workspaceId).map(KEY).list());
    }

    @Override
    public void touchKey(String id, Instant now) {
        db.writeVoid(h -> h.createUpdate("UPDATE api_keys SET last_used_at = :at WHERE id = :id")
                .bind("at", now.toEpochMilli()).bind("id", id).execute());
    }

    @Override
    public boolean revokeKey(String id, Instant now) {
        return db.write(h -> h.createUpdate("UPDATE api_keys SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL")
                .bind("at", now.toEpochMilli()).bind("id", id).execute() == 1);
    }

    @Override
    public Set<String> revokedAmong(List<String> ids) {
        if (ids.isEmpty()) return Set.of();
        return db.read(h -> Set.copyOf(h.createQuery("SELECT id FROM api_keys WHERE revoked_at IS NOT NULL AND id IN (<ids>)")
                .bindList("ids", ids).mapTo(String.class).list()));
    }
}
