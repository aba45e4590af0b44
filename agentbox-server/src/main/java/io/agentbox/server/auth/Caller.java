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
}
