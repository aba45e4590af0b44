package io.agentbox.server;

import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.WebSockets;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Another member of the tenant's workspace, with its own service account. */
    private static Http anotherMember(TestServer.Tenant t) {
        var r = t.owner().post("/v1/workspaces/" + t.workspaceId() + "/keys", Map.of("name", "second member", "role", "member"));
        assertThat(r.status()).isEqualTo(201);
        return t.owner().as(r.json().get("key").asText());
    }

    private static void assertForbidden(Http.Res r, String what) {
        assertThat(r.status()).as(what + ": " + r).isEqualTo(403);
        assertThat(r.errorCode()).isEqualTo("forbidden");
    }

    private static Map<String, Object> exec(String... argv) {
        return Map.of("command", List.of(argv), "stream", false);
    }

    @Test
    void membersCannotActOnAnotherMembersRawSandbox() {
        TestServer.Tenant t = server.tenant("raw-sandboxes");
        Http creator = t.member();
        Http other = anotherMember(t);
        var created = creator.post("/v1/sandboxes", Map.of("workspaceId", t.workspaceId()));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String sbx = "/v1/sandboxes/" + created.json().get("id").asText();
        assertThat(creator.postBytes(sbx + "/files?path=secret.txt", "the creator's".getBytes(StandardCharsets.UTF_8),
                "application/octet-stream").status()).isEqualTo(201);

        for (Http intruder : List.of(other, t.viewer())) {
            assertForbidden(intruder.post(sbx + "/exec", exec("cat", "/workspace/secret.txt")), "exec");
            assertForbidden(intruder.post(sbx + "/exec", Map.of("shell", "echo pwned > /workspace/secret.txt")), "streamed exec");
            assertForbidden(intruder.get(sbx + "/files?path=secret.txt"), "read a file");
            assertForbidden(intruder.get(sbx + "/files?path=/workspace"), "list a directory");
            assertForbidden(intruder.postBytes(sbx + "/files?path=secret.txt", "overwritten".getBytes(StandardCharsets.UTF_8),
                    "application/octet-stream"), "write a file");
            assertForbidden(intruder.delete(sbx), "kill");
            assertThat(intruder.get(sbx).status()).as("but it may see the sandbox").isEqualTo(200);
        }
        assertThat(creator.post(sbx + "/exec", exec("cat", "/workspace/secret.txt")).json().get("stdout").asText())
                .as("nothing was changed").isEqualTo("the creator's");
        assertThat(t.admin().post(sbx + "/exec", exec("true")).json().get("exitCode").asInt()).as("admins may").isZero();
        assertThat(t.owner().get(sbx + "/files?path=secret.txt").body()).as("owners may").isEqualTo("the creator's");
        assertThat(creator.delete(sbx).status()).isEqualTo(204);
    }

    @Test
    void membersCannotCancelOrAnswerAnotherMembersRun() {
        TestServer.Tenant t = server.tenant("runs");
        Http other = anotherMember(t);
        String run = "/v1/runs/" + t.member().post("/v1/runs", Map.of("prompt", "hold never", "workspaceId", t.workspaceId()))
                .json().get("id").asText();
        for (Http intruder : List.of(other, t.viewer())) {
            assertForbidden(intruder.post(run + "/cancel", Map.of()), "cancel");
            assertForbidden(intruder.post(run + "/permissions/toolu_any", Map.of("decision", "allow")), "answer a permission");
            assertThat(intruder.get(run).status()).as("but it reads the run").isEqualTo(200);
            assertThat(intruder.get(run + "/events?follow=false").status()).as("and its events").isEqualTo(200);
        }
        try (WebSockets ws = WebSockets.open(other, run + "/ws")) {
            ws.send(Map.of("type", "cancel", "id", "c1"));
            JsonNode answer = ws.until(f -> "c1".equals(f.path("id").asText()), WAIT).getLast();
            assertThat(answer.get("type").asText()).isEqualTo("error");
            assertThat(answer.at("/error/code").asText()).isEqualTo("forbidden");
        }
        assertThat(t.member().get(run).json().get("status").asText()).as("still going").isNotIn("canceled", "failed", "succeeded");
        assertThat(t.admin().post(run + "/cancel", Map.of()).json().get("status").asText()).as("admins may").isEqualTo("canceled");
    }

    @Test
    void membersCannotTalkToOrEndAnotherMembersSession() {
        TestServer.Tenant t = server.tenant("sessions");
        Http creator = t.member();
        Http other = anotherMember(t);
        String ses = creator.post("/v1/sessions", Map.of("workspaceId", t.workspaceId())).json().get("id").asText();
        String path = "/v1/sessions/" + ses;
        String first = creator.post(path + "/messages", Map.of("prompt", "bash echo mine > /workspace/notes.txt; succeed"))
                .json().get("id").asText();
        Poll.until(WAIT, () -> creator.get("/v1/runs/" + first).json().get("status").asText(), "succeeded"::equals, "first turn");

        for (Http intruder : List.of(other, t.viewer())) {
            assertForbidden(intruder.post(path + "/messages", Map.of("prompt", "bash cat /workspace/notes.txt")), "send a turn");
            assertForbidden(intruder.post("/v1/runs", Map.of("prompt", "bash cat /workspace/notes.txt", "sessionId", ses)), "a run of the session");
            assertForbidden(intruder.delete(path), "end it");
            assertThat(intruder.get(path).status()).as("but it reads the session").isEqualTo(200);
            try (WebSockets ws = WebSockets.open(intruder, path + "/ws")) {
                ws.send(Map.of("type", "message", "prompt", "bash cat /workspace/notes.txt", "id", "m1"));
                JsonNode answer = ws.until(f -> "m1".equals(f.path("id").asText()), WAIT).getLast();
                assertThat(answer.get("type").asText()).isEqualTo("error");
                assertThat(answer.at("/error/code").asText()).isEqualTo("forbidden");
            }
        }
        String sandbox = "/v1/sandboxes/" + creator.get(path).json().get("sandboxId").asText();
        assertForbidden(other.post(sandbox + "/exec", exec("cat", "/workspace/notes.txt")), "exec into the session's sandbox");
        assertForbidden(other.get(sandbox + "/files?path=notes.txt"), "read the session's files");
        assertThat(creator.get("/v1/runs?sessionId=" + ses).json().get("data")).as("no intruder's turn ran").hasSize(1);
        var own = creator.post(sandbox + "/exec", exec("cat", "/workspace/notes.txt"));
        assertThat(own.status()).as("the session's creator may: " + own).isEqualTo(200);
        assertThat(own.json().get("stdout").asText()).isEqualTo("mine\n");
        assertThat(t.admin().post(path + "/messages", Map.of("prompt", "emit 3")).status()).as("admins may").isEqualTo(202);
        assertThat(creator.delete(path).json().get("status").asText()).isEqualTo("ended");
    }
}
