package io.agentbox.server.auth;

import io.agentbox.server.http.ApiException;
import io.agentbox.server.model.Role;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The authenticated principal of a request and its roles. Checks answer 404 for a workspace the caller
 * does not belong to (its existence is none of the caller's business) and 403 when the caller belongs
 * but its role is too weak.
 */
public record Caller(String principalId, String keyId, Map<String, Role> roles) {
    public Caller {
        roles = Collections.unmodifiableMap(new LinkedHashMap<>(roles));
    }

    /** The workspace the principal joined first: the default target of requests that name none. */
    public Optional<String> firstWorkspace() {
        return roles.keySet().stream().findFirst();
    }

    public Set<String> workspaceIds() {
        return roles.keySet();
    }

    public Optional<Role> role(String workspaceId) {
        return Optional.ofNullable(roles.get(workspaceId));
    }

    /** The caller's role in the workspace; 404 naming {@code what} when it is not a member. */
    public Role requireMember(String workspaceId, String what) {
        return role(workspaceId).orElseThrow(() -> ApiException.notFound(what));
    }

    /** 404 when not a member, 403 when the role is weaker than {@code minimum}. */
    public Role require(String workspaceId, Role minimum, String what) {
        Role r = requireMember(workspaceId, what);
        if (!r.atLeast(minimum)) {
            throw ApiException.forbidden("this needs the " + minimum.wireName() + " role or higher in workspace "
                    + workspaceId + " (you are " + r.wireName() + ")");
        }
        return r;
    }

    /**
     * The one check for acting on what a principal created (exec into its sandbox, read or write its
     * files, send it a turn, answer its permission requests, cancel or end it): its creator, or an admin
     * or owner. 404 when the caller is not a member; 403 for viewers (they only read) and for other members.
     *
     * @param what   what is acted on, e.g. {@code "run run_…"}
     * @param action what the caller tries, e.g. {@code "cancel"}
     */
    public Role requireCreatorOrAdmin(String workspaceId, String createdBy, String what, String action) {
        Role r = requireMember(workspaceId, what);
        if (r.atLeast(Role.ADMIN)) return r;
        if (r == Role.VIEWER) {
            throw ApiException.forbidden("viewers only read: to " + action + " " + what + " you must be its creator or a workspace admin or owner");
        }
        if (!createdBy.equals(principalId)) {
            throw ApiException.forbidden("only the creator of " + what + " or a workspace admin or owner can " + action + " it");
        }
        return r;
    }
}
