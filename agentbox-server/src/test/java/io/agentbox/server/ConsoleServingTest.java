package io.agentbox.server;

import io.agentbox.server.auth.Caller;
import io.agentbox.server.auth.StreamTickets;
import io.agentbox.server.model.Role;
import io.agentbox.server.support.Db;
import io.agentbox.server.store.Database;
import io.agentbox.server.store.JdbiTicketStore;
import io.agentbox.server.support.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The console's files are public, carry a strict content security policy, and open nothing else. */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Db.class, names = "SQLITE")
class ConsoleServingTest extends ServerTestBase {

    @Test
    void thePageAndItsScriptsAreServedWithAStrictPolicy() {
        var index = server.anonymous().get("/");
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.header("Content-Type").orElse("")).startsWith("text/html");
        assertThat(index.body()).contains("<script type=\"importmap\">", "/assets/app.js");
        String csp = index.header("Content-Security-Policy").orElse("");
        assertThat(csp).contains("default-src 'none'", "script-src 'self' 'sha256-", "connect-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
        assertThat(index.header("X-Content-Type-Options")).contains("nosniff");
        for (String f : new String[] {"app.js", "api.js", "run.js", "preact.mjs", "preact-hooks.mjs", "htm.mjs", "console.css"}) {
            var r = server.anonymous().get("/assets/" + f);
            assertThat(r.status()).as(f).isEqualTo(200);
            assertThat(r.header("Content-Type").orElse("")).as(f).startsWith(f.endsWith(".css") ? "text/css" : "text/javascript");
        }
        assertThat(server.anonymous().get("/assets/preact.LICENSE.txt").body()).contains("MIT License");
    }

    @Test
    void onlyTheConsolesOwnFilesAreServed() {
        assertThat(server.anonymous().get("/assets/nothing.js").status()).isEqualTo(404);
        assertThat(server.anonymous().get("/assets/index.html").status()).isEqualTo(404);
        for (String sneaky : new String[] {"/assets/..%2Findex.html", "/assets/..%2F..%2Flogback.xml", "/assets/%2e%2e",
                "/assets/..%5C..%5Cdb%2Fmigration", "/assets/app.js%00.png"}) {
            int status = raw(sneaky);
            assertThat(status).as(sneaky).isIn(400, 404);
        }
    }

    @Test
    void thePublicConsoleLeavesTheApiClosed() {
        assertThat(server.anonymous().get("/v1/runs").status()).isEqualTo(401);
        assertThat(server.anonymous().get("/v1/me").status()).isEqualTo(401);
        assertThat(server.anonymous().post("/v1/runs", Map.of("prompt", "say hi")).status()).isEqualTo(401);
        var dotted = server.anonymous().get("/assets/../v1/me");
        assertThat(dotted.status()).isIn(401, 404);
        assertThat(dotted.body()).doesNotContain("principalId");
    }

    @Test
    void aTicketExpiresAndLeavesWithItsKey() throws Exception {
        Instant[] now = {Instant.parse("2026-12-01T10:00:00Z")};
        Clock clock = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return now[0]; }
        };
        Path data = Files.createTempDirectory(dir, "tickets-");
        try (Database database = Database.open(Db.SQLITE.configure(ServerConfig.builder(), data).build())) {
            StreamTickets tickets = new StreamTickets(clock, new JdbiTicketStore(database));
            Caller caller = new Caller("prn_1", "key_1", Map.of("ws_1", Role.MEMBER));
            var t = tickets.issue(caller);
            assertThat(t.toString()).doesNotContain(t.ticket());
            String stored = database.read(h -> h.createQuery("SELECT ticket_hash FROM stream_tickets").mapTo(String.class).one());
            assertThat(stored).as("only the hash is stored").isNotEqualTo(t.ticket()).doesNotContain(t.ticket().substring(4));
            now[0] = now[0].plus(StreamTickets.TTL);
            assertThat(tickets.redeem(t.ticket())).as("expired").isEmpty();
            var u = tickets.issue(caller);
            tickets.revoked("key_1");
            assertThat(tickets.redeem(u.ticket())).isEmpty();
            for (int i = 0; i < 100; i++) tickets.issue(caller);
            assertThat(tickets.outstanding()).as("a key holds a bounded number").isEqualTo(StreamTickets.MAX_PER_KEY);
            var v = tickets.issue(caller);
            assertThat(tickets.redeem(v.ticket())).map(StreamTickets.Entry::principalId).contains("prn_1");
            assertThat(tickets.redeem(v.ticket())).isEmpty();
        }
    }

    private int raw(String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new AssertionError(path + ": " + e, e);
        }
    }
}
