package io.agentbox.server;

import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class TenancyApiTest extends ServerTestBase {
    @Test
    void bootstrapKeyIsTheOwnerOfTheDefaultWorkspace() {
        var me = server.owner().get("/v1/me");
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().get("workspaces").get(0).get("id").asText()).isEqualTo(server.defaultWorkspace());
        assertThat(me.json().get("workspaces").get(0).get("role").asText()).isEqualTo("owner");
    }

    @Test
    void requestsWithoutAValidKeyAre401() {
        assertThat(server.anonymous().get("/v1/runs").status()).isEqualTo(401);
        assertThat(server.anonymous().get("/v1/runs").errorCode()).isEqualTo("unauthorized");
        assertThat(server.owner().as("agb_key_01ABCDEFGHJKMNPQRSTVWXYZ012_" + "x".repeat(43)).get("/v1/runs").status()).isEqualTo(401);
        assertThat(server.owner().as("wrong").get("/v1/runs").status()).isEqualTo(401);
    }

    @Test
    void createWorkspaceMakesTheCallerOwner() {
        var r = server.owner().post("/v1/workspaces", Map.of("name", "team-a"));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().get("id").asText()).startsWith("ws_");
        assertThat(r.json().get("role").asText()).isEqualTo("owner");
        String id = r.json().get("id").asText();
        assertThat(server.owner().get("/v1/workspaces").json().get("data").findValuesAsText("id")).contains(id);
    }

    @Test
    void createdKeyIsAServiceAccountWithTheRoleAndIsShownOnce() {
        var t = server.tenant("keys");
        var created = server.owner().post("/v1/workspaces/" + t.workspaceId() + "/keys", Map.of("name", "ci", "role", "member"));
        assertThat(created.status()).isEqualTo(201);
        String key = created.json().get("key").asText();
        assertThat(created.json().get("id").asText()).startsWith("key_");
        assertThat(created.json().get("role").asText()).isEqualTo("member");
        Http ci = server.owner().as(key);
        var me = ci.get("/v1/me").json();
        assertThat(me.get("kind").asText()).isEqualTo("service_account");
        assertThat(me.get("workspaces").findValuesAsText("id")).containsExactly(t.workspaceId());

        var listed = server.owner().get("/v1/workspaces/" + t.workspaceId() + "/keys");
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body()).doesNotContain(key).doesNotContain(key.substring(key.lastIndexOf('_') + 1));
        var mine = listed.json().get("data").findParents("id").stream()
                .filter(n -> n.get("id").asText().equals(created.json().get("id").asText())).findFirst().orElseThrow();
        assertThat(mine.get("lastUsedAt").isNull()).isFalse();
    }

    @Test
    void revokedKeyStopsWorking() {
        var t = server.tenant("revoke");
        var created = t.owner().post("/v1/workspaces/" + t.workspaceId() + "/keys", Map.of("name", "tmp", "role", "viewer"));
        Http tmp = t.owner().as(created.json().get("key").asText());
        assertThat(tmp.get("/v1/me").status()).isEqualTo(200);
        var revoked = t.owner().delete("/v1/workspaces/" + t.workspaceId() + "/keys/" + created.json().get("id").asText());
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.json().get("revokedAt").isNull()).isFalse();
        assertThat(tmp.get("/v1/me").status()).isEqualTo(401);
    }

    @Test
    void rolesLimitWhoManagesKeysAndMembers() {
        var t = server.tenant("roles");
        String base = "/v1/workspaces/" + t.workspaceId();
        assertThat(t.viewer().post(base + "/keys", Map.of("name", "x", "role", "viewer")).status()).isEqualTo(403);
        assertThat(t.member().post(base + "/keys", Map.of("name", "x", "role", "viewer")).status()).isEqualTo(403);
        assertThat(t.admin().post(base + "/keys", Map.of("name", "x", "role", "member")).status()).isEqualTo(201);
        assertThat(t.admin().post(base + "/keys", Map.of("name", "x", "role", "owner")).status()).isEqualTo(403);
        assertThat(t.viewer().get(base + "/members").status()).isEqualTo(200);
        assertThat(t.viewer().get(base + "/keys").status()).isEqualTo(403);
        assertThat(t.viewer().patch(base, Map.of("name", "renamed")).status()).isEqualTo(403);
        assertThat(t.admin().patch(base, Map.of("name", "renamed")).json().get("name").asText()).isEqualTo("renamed");
    }

    @Test
    void membersCanBeAddedChangedAndRemovedButTheLastOwnerStays() {
        var t = server.tenant("members");
        var other = server.tenant("other");
        String base = "/v1/workspaces/" + t.workspaceId();
        String otherMember = other.member().get("/v1/me").json().get("principalId").asText();
        var added = t.admin().post(base + "/members", Map.of("principalId", otherMember, "role", "viewer"));
        assertThat(added.status()).isEqualTo(201);
        assertThat(added.json().get("role").asText()).isEqualTo("viewer");
        assertThat(t.admin().post(base + "/members", Map.of("principalId", otherMember, "role", "viewer")).status()).isEqualTo(409);
        assertThat(other.member().get(base).status()).isEqualTo(200);
        assertThat(t.admin().patch(base + "/members/" + otherMember, Map.of("role", "member")).json().get("role").asText()).isEqualTo("member");
        assertThat(t.admin().patch(base + "/members/" + otherMember, Map.of("role", "admin")).status()).isEqualTo(403);
        assertThat(t.admin().delete(base + "/members/" + otherMember).status()).isEqualTo(204);
        assertThat(other.member().get(base).status()).isEqualTo(404);

        String owner = t.owner().get("/v1/me").json().get("principalId").asText();
        assertThat(t.owner().patch(base + "/members/" + owner, Map.of("role", "admin")).status()).isEqualTo(409);
        assertThat(t.owner().delete(base + "/members/" + owner).status()).isEqualTo(409);
    }

    @Test
    void anotherWorkspaceIsNotFound() {
        var a = server.tenant("a");
        var b = server.tenant("b");
        assertThat(b.admin().get("/v1/workspaces/" + a.workspaceId()).status()).isEqualTo(404);
        assertThat(b.admin().get("/v1/workspaces/" + a.workspaceId() + "/members").status()).isEqualTo(404);
        assertThat(b.admin().post("/v1/workspaces/" + a.workspaceId() + "/keys", Map.of("name", "x", "role", "viewer")).status()).isEqualTo(404);
        assertThat(b.admin().get("/v1/workspaces/nonexistent").status()).isEqualTo(404);
    }
}
