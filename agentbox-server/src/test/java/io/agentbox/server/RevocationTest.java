package io.agentbox.server;

import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Sse;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.TestFiles;
import io.agentbox.server.support.TestServer;
import io.agentbox.server.support.WebSockets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream is authorized when it opens; revoking its key must still end it. The attack: open an event
 * stream and a WebSocket with a key, have the key revoked, and keep reading.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class RevocationTest extends ServerTestBase {
    private static final Duration WITHIN = Duration.ofSeconds(2);

    /** A member key of the tenant's workspace: its id and a client using it. */
    private record Key(String id, Http http) {}

    private static Key memberKey(TestServer.Tenant t, String name) {
        var r = t.owner().post("/v1/workspaces/" + t.workspaceId() + "/keys", Map.of("name", name, "role", "member"));
        assertThat(r.status()).isEqualTo(201);
        return new Key(r.json().get("id").asText(), t.owner().as(r.json().get("key").asText()));
    }

    /** An open SSE stream of a run, read on another thread: the future completes when the server ends it. */
    private record OpenSse(Sse sse, CompletableFuture<List<Sse.Frame>> rest) implements AutoCloseable {
        static OpenSse open(Http http, String run) {
            HttpResponse<InputStream> res = http.stream(http.request(run + "/events").GET().build());
            assertThat(res.statusCode()).isEqualTo(200);
            Sse sse = new Sse(res.body());
            assertThat(sse.next()).as("a first event: the stream is live").isPresent();
            return new OpenSse(sse, CompletableFuture.supplyAsync(sse::rest));
        }

        @Override
        public void close() {
            sse.close();
        }
    }

    private static String holdingRun(Http http, String workspaceId) {
        var r = http.post("/v1/runs", Map.of("prompt", "hold never", "workspaceId", workspaceId));
        assertThat(r.status()).isEqualTo(202);
        return "/v1/runs/" + r.json().get("id").asText();
    }

    /** Revokes the key through {@code via} and asserts that both streams of {@code streamsOn} end within the bound. */
    private static void assertRevocationEnds(TestServer.Tenant t, Key key, Http streamsOn, Http via) throws Exception {
        Http attacker = streamsOn.as(key.http().key().orElseThrow());
        String run = holdingRun(attacker, t.workspaceId());
        try (OpenSse sse = OpenSse.open(attacker, run);
             OpenSse bystander = OpenSse.open(streamsOn.as(t.owner().key().orElseThrow()), run);
             WebSockets ws = WebSockets.open(attacker, run + "/ws")) {
            assertThat(ws.next(Duration.ofSeconds(10))).as("a first event on the socket").isPresent();

            long start = System.nanoTime();
            assertThat(via.delete("/v1/workspaces/" + t.workspaceId() + "/keys/" + key.id()).status()).isEqualTo(200);
            sse.rest().get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(ws.awaitClose(WITHIN)).as("closed as a policy violation").isEqualTo(1008);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("both streams ended after the revocation").isLessThan(WITHIN);
            assertThat(sse.sse().comments()).contains("the API key was revoked");

            assertThat(attacker.get(run).status()).as("the key is dead for requests too").isEqualTo(401);
            assertThat(WebSockets.refusal(attacker, run + "/ws")).isEqualTo(401);
            assertThat(bystander.rest()).as("another key's stream goes on").isNotDone();
            assertThat(t.owner().post(run + "/cancel", Map.of()).status()).isEqualTo(200);
            List<Sse.Frame> tail = bystander.rest().get(30, TimeUnit.SECONDS);
            assertThat(tail.getLast().event()).as("and sees the run to its end").isEqualTo("run.canceled");
        }
    }

    @Test
    void revokingAKeyEndsItsStreamsOnThisNode() throws Exception {
        TestServer.Tenant t = server.tenant("revoked-here");
        assertRevocationEnds(t, memberKey(t, "leaked"), server.owner(), t.owner());
    }

    @Test
    void aKeyRevokedOnAnotherNodeLosesItsStreamsHereToo() throws Exception {
        Assumptions.assumeTrue(db == Db.POSTGRESQL, "nodes share a PostgreSQL database");
        ServerConfig first = server.server().config();
        Path otherDir = Files.createTempDirectory("agentbox-node2-");
        try (TestServer other = TestServer.start(db, otherDir, b -> TestServer.withModel(b, model)
                        .dbUrl(first.dbUrl().orElseThrow()).dbUser(first.dbUser().orElse(null))
                        .bootstrapKey(first.bootstrapKey().orElseThrow()), Optional.empty(), Optional.empty())) {
            TestServer.Tenant t = server.tenant("revoked-elsewhere");
            assertRevocationEnds(t, memberKey(t, "leaked"), other.owner(), t.owner());
        } finally {
            io.agentbox.sandbox.Sandboxes.local(otherDir.resolve("data")).list(io.agentbox.sandbox.SandboxQuery.ALL)
                    .forEach(i -> io.agentbox.sandbox.Sandboxes.local(otherDir.resolve("data")).kill(i.id()));
            TestFiles.deleteRecursively(otherDir);
        }
    }
}
