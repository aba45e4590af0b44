package io.agentbox.server.auth;

import io.agentbox.server.http.ApiException;
import io.agentbox.server.model.ApiKey;
import io.agentbox.server.model.Member;
import io.agentbox.server.model.Principal;
import io.agentbox.server.model.PrincipalKind;
import io.agentbox.server.model.Role;
import io.agentbox.server.model.Workspace;
import io.agentbox.server.store.TenancyStore;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Workspaces, members and keys, with who may do what: users, and service accounts holding the admin or
 * owner role somewhere, create workspaces (and own them); members read; admins and owners manage members and keys; only owners grant or take away the
 * admin and owner roles; a workspace always keeps an owner.
 */
public final class TenancyService {
    private final TenancyStore store;
    private final Clock clock;
    private final Consumer<String> onRevoked;

    public TenancyService(TenancyStore store, Clock clock) {
        this(store, clock, keyId -> { });
    }

    /** @param onRevoked told the id of each key revoked here (it ends the key's open streams) */
    public TenancyService(TenancyStore store, Clock clock, Consumer<String> onRevoked) {
        this.store = store;
        this.clock = clock;
        this.onRevoked = onRevoked;
    }

    /** A key as created: the plaintext is in this object only, never stored. */
    public record CreatedKey(ApiKey key, String plaintext, Principal principal, Role role, String workspaceId) {
        @Override
        public String toString() {
            return "CreatedKey[" + key.id() + "]";
        }
    }

    public List<Map.Entry<Workspace, Role>> workspaces(Caller caller) {
        return store.workspacesOf(caller.principalId());
    }

    public Workspace create(Caller caller, String name) {
        requireMayCreateWorkspaces(caller);
        return store.createWorkspace(name, caller.principalId(), clock.instant());
    }

    /**
     * A new workspace is a place where its owner may run anything, so a key handed out to read (a viewer)
     * or to run within one workspace (a member) must not make one for itself: users may, and service
     * accounts that administer (admin or owner) at least one workspace.
     */
    private void requireMayCreateWorkspaces(Caller caller) {
        PrincipalKind kind = store.principal(caller.principalId()).map(Principal::kind).orElse(PrincipalKind.SERVICE_ACCOUNT);
        if (kind == PrincipalKind.USER) return;
        if (caller.roles().values().stream().anyMatch(r -> r.atLeast(Role.ADMIN))) return;
        String held = caller.roles().values().stream().map(Role::wireName).distinct().sorted()
                .reduce((a, b) -> a + ", " + b).orElse("no role");
        throw ApiException.forbidden("creating a workspace needs a user's key or a key with the admin or owner role; "
                + "this service account key holds " + held);
    }

    public Workspace get(Caller caller, String id) {
        caller.requireMember(id, "workspace " + id);
        return store.workspace(id).orElseThrow(() -> ApiException.notFound("workspace " + id));
    }

    /** Applies the present fields; {@code clearBudget}/{@code clearConcurrency} reset to the server defaults. */
    public Workspace update(Caller caller, String id, Optional<String> name, Optional<Double> budget, boolean clearBudget,
                            Optional<Integer> concurrency, boolean clearConcurrency) {
        caller.require(id, Role.ADMIN, "workspace " + id);
        Workspace w = store.workspace(id).orElseThrow(() -> ApiException.notFound("workspace " + id));
        Workspace updated = new Workspace(w.id(), name.orElse(w.name()),
                clearBudget ? Optional.empty() : budget.or(w::dailyBudgetUsd),
                clearConcurrency ? Optional.empty() : concurrency.or(w::maxConcurrentRuns), w.createdAt());
        store.updateWorkspace(updated);
        return updated;
    }

    public List<Member> members(Caller caller, String id) {
        caller.requireMember(id, "workspace " + id);
        return store.members(id);
    }

    public Member addMember(Caller caller, String id, String principalId, Role role) {
        Role mine = caller.require(id, Role.ADMIN, "workspace " + id);
        requireCanGrant(mine, role);
        Principal p = store.principal(principalId).orElseThrow(() -> ApiException.notFound("principal " + principalId));
        if (!store.addMember(id, p.id(), role, clock.instant())) {
            throw ApiException.conflict("principal " + principalId + " is already a member of workspace " + id);
        }
        return store.member(id, p.id()).orElseThrow();
    }

    public Member setRole(Caller caller, String id, String principalId, Role role) {
        Role mine = caller.require(id, Role.ADMIN, "workspace " + id);
        Member m = store.member(id, principalId).orElseThrow(() -> ApiException.notFound("member " + principalId));
        requireCanGrant(mine, m.role());
        requireCanGrant(mine, role);
        if (m.role() == Role.OWNER && role != Role.OWNER) requireAnotherOwner(id);
        store.setRole(id, principalId, role);
        return store.member(id, principalId).orElseThrow();
    }

    public void removeMember(Caller caller, String id, String principalId) {
        boolean self = principalId.equals(caller.principalId());
        Role mine = self ? caller.requireMember(id, "workspace " + id) : caller.require(id, Role.ADMIN, "workspace " + id);
        Member m = store.member(id, principalId).orElseThrow(() -> ApiException.notFound("member " + principalId));
        if (!self) requireCanGrant(mine, m.role());
        if (m.role() == Role.OWNER) requireAnotherOwner(id);
        store.removeMember(id, principalId);
    }

    public List<ApiKey> keys(Caller caller, String id) {
        caller.require(id, Role.ADMIN, "workspace " + id);
        return store.keysOfWorkspace(id);
    }

    /** A new service account, member of the workspace with {@code role}, and its key. */
    public CreatedKey createKey(Caller caller, String id, String name, Role role) {
        Role mine = caller.require(id, Role.ADMIN, "workspace " + id);
        requireCanGrant(mine, role);
        ApiKeys.NewKey k = ApiKeys.generate();
        Instant now = clock.instant();
        ApiKey key = new ApiKey(k.id(), "", name, k.secretHash(), now, Optional.empty(), Optional.empty());
        Principal sa = store.createServiceAccount(id, name, role, key, now);
        return new CreatedKey(new ApiKey(k.id(), sa.id(), name, k.secretHash(), now, Optional.empty(), Optional.empty()),
                k.plaintext(), sa, role, id);
    }

    /**
     * Revokes a key of one of the workspace's members: your own, or another's when you could grant its
     * holder's role in every workspace the holder belongs to (a key opens all of them).
     */
    public ApiKey revokeKey(Caller caller, String id, String keyId) {
        caller.requireMember(id, "workspace " + id);
        ApiKey key = store.key(keyId).orElseThrow(() -> ApiException.notFound("key " + keyId));
        store.member(id, key.principalId()).orElseThrow(() -> ApiException.notFound("key " + keyId));
        if (!key.principalId().equals(caller.principalId())) {
            for (Map.Entry<String, Role> held : store.rolesOf(key.principalId()).entrySet()) {
                Role mine = caller.role(held.getKey()).orElseThrow(() -> ApiException.forbidden(
                        "this key also opens a workspace you do not administer; only its holder can revoke it"));
                if (!mine.atLeast(Role.ADMIN)) throw ApiException.forbidden("revoking another principal's key needs the admin or owner role");
                requireCanGrant(mine, held.getValue());
            }
        }
        store.revokeKey(keyId, clock.instant());
        onRevoked.accept(keyId);
        return store.key(keyId).orElseThrow();
    }

    /** Owners grant anything; admins grant member and viewer only. */
    private static void requireCanGrant(Role mine, Role role) {
        if (mine == Role.OWNER) return;
        if (role == Role.OWNER || role == Role.ADMIN) {
            throw ApiException.forbidden("only an owner can grant, change or remove the " + role.wireName() + " role");
        }
    }

    private void requireAnotherOwner(String id) {
        long owners = store.members(id).stream().filter(m -> m.role() == Role.OWNER).count();
        if (owners <= 1) throw ApiException.conflict("a workspace must keep at least one owner");
    }

    public Optional<Principal> principal(String id) {
        return store.principal(id);
    }
}
