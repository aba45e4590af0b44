package io.agentbox.server;

import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.TestFiles;
import io.agentbox.server.support.TestServer;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.WebSockets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /v1/stream-tickets}: what a ticket opens, once, and everything it must not open. */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class StreamTicketTest extends ServerTestBase {

    private String ticket(Http http) {
        var r = http.post("/v1/stream-tickets", Map.of());
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.header("Cache-Control")).contains("no-store");
        Instant expires = Instant.parse(r.json().get("expiresAt").asText());
        assertThat(expires).isAfter(Instant.now()).isBefore(Instant.now().plusSeconds(61));
        return r.json().get("ticket").asText();
    }

    private String endedRun(Http http) {
        var r = http.post("/v1/runs", Map.of("prompt", "emit 3; succeed"));
        assertThat(r.status()).isEqualTo(202);
        String id = r.json().get("id").asText();
        Poll.until(Duration.ofSeconds(30), () -> http.get("/v1/runs/" + id).json().get("status").asText(), "succeeded"::equals, "run end");
        return id;
    }

    private static int events(Http anonymous, String runId, String ticket) {
        return anonymous.get("/v1/runs/" + runId + "/events?follow=false&ticket=" + ticket).status();
    }

    @Test
    void aTicketOpensAnEventStreamOnceInPlaceOfTheKey() {
        String run = endedRun(server.owner());
        String t = ticket(server.owner());
        var first = server.anonymous().get("/v1/runs/" + run + "/events?follow=false&ticket=" + t);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body()).contains("event: run.completed");
        var again = server.anonymous().get("/v1/runs/" + run + "/events?follow=false&ticket=" + t);
        assertThat(again.status()).as("single use").isEqualTo(401);
        assertThat(again.errorMessage()).contains("stream ticket");
    }

    @Test
    void aTicketOpensNothingButTheStreamRoutes() {
        String run = endedRun(server.owner());
        String t = ticket(server.owner());
        assertThat(server.anonymous().get("/v1/runs/" + run + "?ticket=" + t).status()).isEqualTo(401);
        assertThat(server.anonymous().get("/v1/runs?ticket=" + t).status()).isEqualTo(401);
        assertThat(server.anonymous().post("/v1/runs?ticket=" + t, Map.of("prompt", "say hi")).status()).isEqualTo(401);
        assertThat(server.anonymous().post("/v1/stream-tickets?ticket=" + t, Map.of()).status()).as("no ticket from a ticket").isEqualTo(401);
        assertThat(events(server.anonymous(), run, t)).as("refused elsewhere, it was not spent").isEqualTo(200);
    }

    @Test
    void noTicketWithoutAKeyAndNoGuessing() {
        assertThat(server.anonymous().post("/v1/stream-tickets", Map.of()).status()).isEqualTo(401);
        String run = endedRun(server.owner());
        assertThat(events(server.anonymous(), run, "tkt_" + "A".repeat(43))).isEqualTo(401);
        assertThat(events(server.anonymous(), run, "")).isEqualTo(401);
    }

    @Test
    void aTicketIsWorthWhatItsKeyIsWorth() {
        var tenant = server.tenant("tickets-" + System.nanoTime());
        String ownRun = endedRun(server.owner());
        // another workspace's run is not there for this key, ticket or not
        assertThat(events(server.anonymous(), ownRun, ticket(tenant.admin()))).isEqualTo(404);
        String theirs = endedRun(tenant.member());
        assertThat(events(server.anonymous(), theirs, ticket(tenant.viewer()))).as("viewers read").isEqualTo(200);
    }

    @Test
    void theTicketsOfARevokedKeyOpenNothing() {
        var tenant = server.tenant("revoked-tickets-" + System.nanoTime());
        var created = tenant.owner().post("/v1/workspaces/" + tenant.workspaceId() + "/keys", Map.of("name", "short-lived", "role", "member"));
        Http member = tenant.owner().as(created.json().get("key").asText());
        String run = endedRun(member);
        String t = ticket(member);
        assertThat(tenant.owner().delete("/v1/workspaces/" + tenant.workspaceId() + "/keys/" + created.json().get("id").asText()).status()).isEqualTo(200);
        assertThat(events(server.anonymous(), run, t)).isEqualTo(401);
    }

    @Test
    void aTicketOpensTheRunWebSocket() {
        String run = endedRun(server.owner());
        try (WebSockets ws = WebSockets.open(server.anonymous(), "/v1/runs/" + run + "/ws?ticket=" + ticket(server.owner()))) {
            var frames = ws.until(f -> "run.completed".equals(f.path("type").asText()), Duration.ofSeconds(20));
            assertThat(frames).extracting(f -> f.path("seq").asLong()).startsWith(1L, 2L);
        }
        assertThat(WebSockets.refusal(server.anonymous(), "/v1/runs/" + run + "/ws?ticket=tkt_spent")).isEqualTo(401);
    }

    @Test
    void neitherKeysNorTicketsAreLogged() throws Exception {
        String run = endedRun(server.owner());
        String t = ticket(server.owner());
        assertThat(events(server.anonymous(), run, t)).isEqualTo(200);
        String log = Poll.until(Duration.ofSeconds(10), () -> readLog(), l -> l.contains("/v1/runs/" + run + "/events"), "the access log line");
        assertThat(log).doesNotContain(t).doesNotContain(t.substring(4)).doesNotContain(server.ownerKey());
    }

    @Test
    void aTicketFromOneNodeOpensTheStreamOnAnotherOnce() throws Exception {
        Assumptions.assumeTrue(db == Db.POSTGRESQL, "nodes share a PostgreSQL database");
        ServerConfig first = server.server().config();
        Path otherDir = Files.createTempDirectory("agentbox-node2-");
        try (TestServer other = TestServer.start(db, otherDir, b -> TestServer.withModel(b, model)
                        .dbUrl(first.dbUrl().orElseThrow()).dbUser(first.dbUser().orElse(null))
                        .bootstrapKey(first.bootstrapKey().orElseThrow()), Optional.empty(), Optional.empty())) {
            String run = endedRun(server.owner());
            String t = ticket(server.owner());
            assertThat(events(other.anonymous(), run, t)).as("redeemed on the other node").isEqualTo(200);
            assertThat(events(server.anonymous(), run, t)).as("and then spent everywhere").isEqualTo(401);
        } finally {
            TestFiles.deleteRecursively(otherDir);
        }
    }

    private String readLog() {
        try {
            return Files.readString(server.logFile());
        } catch (java.io.IOException e) {
            return "";
        }
    }

}
