package io.agentbox.server.http;

import io.agentbox.server.auth.TenancyService;
import io.agentbox.server.model.ReviewState;
import io.agentbox.server.model.Role;
import io.agentbox.server.runs.ArtifactService;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** {@code /v1/me} and {@code /v1/workspaces}: workspaces, members and API keys. */
public final class WorkspaceRoutes {
    private static final List<String> ROLES = Arrays.stream(Role.values()).map(Role::wireName).toList();
    private static final List<String> REVIEW_STATES = Arrays.stream(ReviewState.values()).map(ReviewState::wireName).toList();

    private final TenancyService tenancy;
    private final ArtifactService artifacts;

    public WorkspaceRoutes(TenancyService tenancy, ArtifactService artifacts) {
        this.tenancy = tenancy;
        this.artifacts = artifacts;
    }

    private static Schema role() {
        return Schema.enumOf(ROLES.toArray(String[]::new));
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/v1/me", "me", "The calling principal and its workspaces").tag("workspaces")
                        .returns(200, "The caller", Schema.ref("Me"))
                        .handle(this::me),
                ApiRoute.get("/v1/workspaces", "listWorkspaces", "The caller's workspaces").tag("workspaces")
                        .returns(200, "Workspaces with the caller's role", Schema.ref("WorkspaceList"))
                        .handle(c -> {
                            var out = Json.object();
                            var data = out.putArray("data");
                            tenancy.workspaces(c.caller()).forEach(e -> data.add(Views.workspace(e.getKey(), Optional.of(e.getValue()))));
                            out.putNull("nextCursor");
                            c.json(200, out);
                        }),
                ApiRoute.post("/v1/workspaces", "createWorkspace",
                                "Create a workspace; the caller becomes its owner (users, and keys with the admin or owner role)").tag("workspaces")
                        .body(Schema.object().required("name", Schema.string().max(100)))
                        .returns(201, "The workspace", Schema.ref("Workspace"))
                        .returns(403, "A member or viewer service account key", Schema.ref("Error"))
                        .handle(c -> {
                            String name = c.body().requiredNonBlank("name", 100);
                            c.json(201, Views.workspace(tenancy.create(c.caller(), name), Optional.of(Role.OWNER)));
                        }),
                ApiRoute.get("/v1/workspaces/{id}", "getWorkspace", "A workspace").tag("workspaces")
                        .returns(200, "The workspace", Schema.ref("Workspace"))
                        .handle(c -> c.json(200, Views.workspace(tenancy.get(c.caller(), c.path("id")), c.caller().role(c.path("id"))))),
                ApiRoute.patch("/v1/workspaces/{id}", "updateWorkspace", "Rename, set the daily budget or the run quota (admins, owners)").tag("workspaces")
                        .body(Schema.object()
                                .prop("name", Schema.string().max(100))
                                .prop("dailyBudgetUsd", Schema.number().min(0).nullable().description("null: back to the server default"))
                                .prop("maxConcurrentRuns", Schema.integer().min(1).max(10_000).nullable().description("null: back to the server default")))
                        .returns(200, "The workspace", Schema.ref("Workspace"))
                        .handle(this::update),
                ApiRoute.get("/v1/workspaces/{id}/members", "listMembers", "Members and their roles").tag("workspaces")
                        .returns(200, "Members", Schema.ref("MemberList"))
                        .handle(c -> {
                            var out = Json.object();
                            var data = out.putArray("data");
                            tenancy.members(c.caller(), c.path("id")).forEach(m -> data.add(Views.member(m)));
                            out.putNull("nextCursor");
                            c.json(200, out);
                        }),
                ApiRoute.post("/v1/workspaces/{id}/members", "addMember", "Add a principal with a role (admins; owners for admin/owner)").tag("workspaces")
                        .body(Schema.object().required("principalId", Schema.string()).required("role", role()))
                        .returns(201, "The member", Schema.ref("Member"))
                        .handle(c -> {
                            String principal = member(c).body().requiredNonBlank("principalId", 100);
                            Role r = requiredRole(c.body());
                            c.json(201, Views.member(tenancy.addMember(c.caller(), c.path("id"), principal, r)));
                        }),
                ApiRoute.patch("/v1/workspaces/{id}/members/{principalId}", "updateMember", "Change a member's role").tag("workspaces")
                        .body(Schema.object().required("role", role()))
                        .returns(200, "The member", Schema.ref("Member"))
                        .handle(c -> c.json(200, Views.member(tenancy.setRole(c.caller(), c.path("id"), c.path("principalId"), requiredRole(member(c).body()))))),
                ApiRoute.delete("/v1/workspaces/{id}/members/{principalId}", "removeMember", "Remove a member (or leave)").tag("workspaces")
                        .noContent("Removed")
                        .handle(c -> {
                            tenancy.removeMember(c.caller(), c.path("id"), c.path("principalId"));
                            c.noContent();
                        }),
                ApiRoute.get("/v1/workspaces/{id}/keys", "listKeys", "API keys of the workspace's members, without secrets (admins, owners)").tag("keys")
                        .returns(200, "Keys", Schema.ref("KeyList"))
                        .handle(c -> {
                            var out = Json.object();
                            var data = out.putArray("data");
                            tenancy.keys(c.caller(), c.path("id")).forEach(k -> data.add(Views.key(k)));
                            out.putNull("nextCursor");
                            c.json(200, out);
                        }),
                ApiRoute.post("/v1/workspaces/{id}/keys", "createKey", "Create a service account with a role and its API key (shown once)").tag("keys")
                        .body(Schema.object().required("name", Schema.string().max(100)).required("role", role()))
                        .returns(201, "The key; 'key' is never shown again", Schema.ref("NewKey"))
                        .handle(c -> {
                            String name = member(c).body().requiredNonBlank("name", 100);
                            Role r = requiredRole(c.body());
                            c.json(201, Views.createdKey(tenancy.createKey(c.caller(), c.path("id"), name, r)));
                        }),
                ApiRoute.delete("/v1/workspaces/{id}/keys/{keyId}", "revokeKey", "Revoke an API key").tag("keys")
                        .returns(200, "The revoked key", Schema.ref("Key"))
                        .handle(c -> c.json(200, Views.key(tenancy.revokeKey(c.caller(), c.path("id"), c.path("keyId"))))),
                ApiRoute.get("/v1/workspaces/{id}/artifacts", "listWorkspaceArtifacts", "Artifacts of a workspace by review state (a review queue)").tag("artifacts")
                        .query("reviewState", Schema.enumOf(REVIEW_STATES.toArray(String[]::new)), "default pending")
                        .query("limit", Schema.integer().min(1).max(200), "default 50")
                        .returns(200, "Artifacts, newest first", Schema.ref("ArtifactList"))
                        .handle(c -> {
                            ReviewState state = c.queryOneOf("reviewState", ReviewState::fromWireName, REVIEW_STATES).orElse(ReviewState.PENDING);
                            var out = Json.object();
                            var data = out.putArray("data");
                            artifacts.inReviewState(c.caller(), c.path("id"), state, c.queryInt("limit", 1, 200, 50))
                                    .forEach(a -> data.add(Views.artifact(a)));
                            out.putNull("nextCursor");
                            c.json(200, out);
                        }));
    }

    /** Checks membership of the path's workspace before the body is validated: outsiders learn nothing. */
    private static Call member(Call c) {
        c.caller().requireMember(c.path("id"), "workspace " + c.path("id"));
        return c;
    }

    private static Role requiredRole(JsonBody b) {
        return b.oneOf("role", Role::fromWireName, ROLES).orElseThrow(() -> ApiException.invalidField("role", "is required"));
    }

    private void me(Call c) {
        var out = Json.object();
        out.put("principalId", c.caller().principalId());
        tenancy.principal(c.caller().principalId()).ifPresent(p -> {
            out.put("kind", p.kind().wireName());
            out.put("name", p.name());
        });
        out.put("keyId", c.caller().keyId());
        var ws = out.putArray("workspaces");
        tenancy.workspaces(c.caller()).forEach(e -> ws.add(Views.workspace(e.getKey(), Optional.of(e.getValue()))));
        c.json(200, out);
    }

    private void update(Call c) {
        JsonBody b = member(c).body();
        Optional<String> name = b.string("name", 100);
        if (name.isPresent() && name.get().isBlank()) throw ApiException.invalidField("name", "must not be blank");
        Optional<Double> budget = b.number("dailyBudgetUsd", 0, 1_000_000_000);
        Optional<Integer> conc = b.integer("maxConcurrentRuns", 1, 10_000).map(Long::intValue);
        boolean clearBudget = b.isNull("dailyBudgetUsd");
        boolean clearConc = b.isNull("maxConcurrentRuns");
        String id = c.path("id");
        c.json(200, Views.workspace(tenancy.update(c.caller(), id, name, budget, clearBudget, conc, clearConc), c.caller().role(id)));
    }
}
