package io.agentbox.server.store;

import io.agentbox.server.model.ApiKey;
import io.agentbox.server.model.Member;
import io.agentbox.server.model.Principal;
import io.agentbox.server.model.PrincipalKind;
import io.agentbox.server.model.Role;
import io.agentbox.server.model.Workspace;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Workspaces, principals, their memberships and API keys. */
public interface TenancyStore {

    /** The default workspace and its owner, created on first start. */
    record DefaultTenant(String workspaceId, String ownerPrincipalId, boolean createdNow) {}

    /** Creates the default workspace and its owner user unless they exist; safe when several nodes start at once. */
    DefaultTenant ensureDefaultTenant(Instant now);

    /** Creates a workspace whose owner is {@code ownerId}. */
    Workspace createWorkspace(String name, String ownerId, Instant now);

    Optional<Workspace> workspace(String id);

    /** The principal's workspaces and its role in each, oldest first. */
    List<Map.Entry<Workspace, Role>> workspacesOf(String principalId);

    /** Workspace id → role, for authorization. */
    Map<String, Role> rolesOf(String principalId);

    void updateWorkspace(Workspace workspace);

    void deleteWorkspace(String id);

    Principal createPrincipal(PrincipalKind kind, String name, Instant now);

    Optional<Principal> principal(String id);

    List<Member> members(String workspaceId);

    Optional<Member> member(String workspaceId, String principalId);

    /** False when the principal is already a member. */
    boolean addMember(String workspaceId, String principalId, Role role, Instant now);

    void setRole(String workspaceId, String principalId, Role role);

    void removeMember(String workspaceId, String principalId);

    /** Creates a service account that is a member of the workspace with the role, and gives it the key. */
    Principal createServiceAccount(String workspaceId, String name, Role role, ApiKey keyWithoutPrincipal, Instant now);

    void insertKey(ApiKey key);

    Optional<ApiKey> key(String id);

    /** Keys of the workspace's members, newest first. */
    List<ApiKey> keysOfWorkspace(String workspaceId);

    void touchKey(String id, Instant now);

    /** False when the key does not exist or was already revoked. */
    boolean revokeKey(String id, Instant now);

    /** Which of these key ids are revoked. */
    Set<String> revokedAmong(List<String> ids);
}
