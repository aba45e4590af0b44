package io.agentbox.server;

import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may do what inside a workspace, tried by the keys that should not: viewer and member keys making
 * themselves a workspace, members acting on what another member created.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class AuthorizationTest extends ServerTestBase {

    @Test
    void viewerAndMemberKeysCannotCreateWorkspaces() {
        TestServer.Tenant t = server.tenant("creators");
        for (Http key : List.of(t.viewer(), t.member())) {
            var r = key.post("/v1/workspaces", Map.of("name", "a place of my own"));
            assertThat(r.status()).as(r.toString()).isEqualTo(403);
            assertThat(r.errorCode()).isEqualTo("forbidden");
            assertThat(r.errorMessage()).contains("admin or owner role");
            assertThat(key.get("/v1/workspaces").json().get("data")).as("still only the one workspace").hasSize(1);
        }
        assertThat(t.admin().post("/v1/workspaces", Map.of("name", "by an admin key")).status()).isEqualTo(201);
        var ownerKey = t.owner().post("/v1/workspaces/" + t.workspaceId() + "/keys", Map.of("name", "ci owner", "role", "owner"));
        assertThat(ownerKey.status()).isEqualTo(201);
        var byOwnerKey = t.owner().as(ownerKey.json().get("key").asText()).post("/v1/workspaces", Map.of("name", "by an owner key"));
        assertThat(byOwnerKey.status()).isEqualTo(201);
        assertThat(byOwnerKey.json().get("role").asText()).isEqualTo("owner");
        assertThat(server.owner().post("/v1/workspaces", Map.of("name", "by a user")).status()).as("a user principal").isEqualTo(201);
    }
}
