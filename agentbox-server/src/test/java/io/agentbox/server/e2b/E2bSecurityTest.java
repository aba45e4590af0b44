package io.agentbox.server.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentbox.server.RateLimit;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.E2bSdk;
import io.agentbox.server.support.TestFiles;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tenancy and credentials on both E2B planes: keys are agentbox keys, another workspace's sandboxes are
 * not found, envd needs the sandbox's own access token, and a sandbox that ends under a stream ends it.
 */
class E2bSecurityTest extends E2bTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void wrongKeysAndAnotherTenantsSandboxes() throws Exception {
        TestServer.Tenant a = server.tenant("e2b-victim");
        TestServer.Tenant b = server.tenant("e2b-intruder");
        JsonNode victim = create(a.member().key().orElseThrow());
        String victimId = victim.get("sandboxID").asText();

        JsonNode r = E2bSdk.run("auth.mjs", E2bSdk.env(e2bUrl, b.admin().key().orElseThrow()), Duration.ofMinutes(2), victimId);
        assertThat(r.at("/badKeyCreate/error/name").asText()).isEqualTo("AuthenticationError");
        assertThat(r.at("/badKeyList/error/name").asText()).isEqualTo("AuthenticationError");
        assertThat(r.at("/otherInfo/error/name").asText()).isEqualTo("SandboxNotFoundError");
        assertThat(r.at("/otherConnect/error/name").asText()).isEqualTo("SandboxNotFoundError");
        assertThat(r.at("/otherKill/value").asBoolean()).isFalse();
        assertThat(r.at("/otherListed").asBoolean()).isFalse();
        assertThat(r.at("/mineWorks").asText()).isEqualTo("ok\n");
        assertThat(r.at("/forgedToken/error/name").asText()).isEqualTo("AuthenticationError");
        assertThat(r.at("/noToken/error/name").asText()).isEqualTo("AuthenticationError");

        // the victim's sandbox is untouched and still answers its owner
        HttpResponse<String> info = send(HttpRequest.newBuilder(URI.create(e2bUrl + "/sandboxes/" + victimId))
                .header("X-API-KEY", a.member().key().orElseThrow()).GET());
        assertThat(info.statusCode()).isEqualTo(200);

        // a viewer may look but not create
        HttpResponse<String> viewer = send(HttpRequest.newBuilder(URI.create(e2bUrl + "/v2/sandboxes"))
                .header("X-API-KEY", a.viewer().key().orElseThrow()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"templateID\":\"base\"}")));
        assertThat(viewer.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(viewer.body()).get("code").asInt()).isEqualTo(403);

        // errors on the control plane carry the numeric code the SDK reads
        HttpResponse<String> noKey = send(HttpRequest.newBuilder(URI.create(e2bUrl + "/v2/sandboxes")).GET());
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(noKey.body()).get("code").asInt()).isEqualTo(401);
        assertThat(send(HttpRequest.newBuilder(URI.create(e2bUrl + "/sandboxes/" + victimId))
                .header("X-API-KEY", b.admin().key().orElseThrow()).GET()).body()).isEqualTo(
                "{\"code\":404,\"message\":\"sandbox " + victimId + " not found\"}");
    }

    @Test
    void envdNeedsTheSandboxesOwnToken() throws Exception {
        String key = server.ownerKey();
        JsonNode one = create(key);
        JsonNode two = create(key);
        String id1 = one.get("sandboxID").asText();
        String token1 = one.get("envdAccessToken").asText();
        String token2 = two.get("envdAccessToken").asText();
        assertThat(token1).isNotEqualTo(token2).startsWith("ea_");

        assertThat(health(id1, Optional.of(token1)).statusCode()).isEqualTo(204);
        assertThat(health(id1, Optional.of(token2)).statusCode()).isEqualTo(401);
        assertThat(health(id1, Optional.empty()).statusCode()).isEqualTo(401);
        // a file read with another sandbox's token, and an RPC without the token: refused
        HttpResponse<String> read = send(HttpRequest.newBuilder(URI.create(e2bUrl + "/files?path=%2Fetc%2Fpasswd"))
                .header("E2b-Sandbox-Id", id1).header("X-Access-Token", token2).GET());
        assertThat(read.statusCode()).isEqualTo(401);
        assertThat(read.body()).doesNotContain("root:");
        HttpResponse<String> rpc = send(HttpRequest.newBuilder(URI.create(e2bUrl + "/process.Process/List"))
                .header("E2b-Sandbox-Id", id1).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(rpc.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(rpc.body()).get("code").asText()).isEqualTo("unauthenticated");
        // the code interpreter's routes take the envd token or the traffic token, of this sandbox only
        assertThat(one.get("trafficAccessToken").asText()).isEqualTo(token1);
        for (String path : new String[] {"/execute", "/contexts"}) {
            for (Optional<String[]> header : List.of(Optional.<String[]>empty(), Optional.of(new String[] {"X-Access-Token", token2}),
                    Optional.of(new String[] {"E2B-Traffic-Access-Token", token2}))) {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(e2bUrl + path)).header("E2b-Sandbox-Id", id1)
                        .header("E2b-Sandbox-Port", "49999").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"code\":\"open('/etc/hostname').read()\"}"));
                header.ifPresent(h -> b.header(h[0], h[1]));
                assertThat(send(b).statusCode()).as(path + " " + header.map(h -> h[0])).isEqualTo(401);
            }
        }

        // once killed, the token is worth nothing: the proxy's 502
        HttpResponse<String> kill = send(HttpRequest.newBuilder(URI.create(e2bUrl + "/sandboxes/" + id1)).header("X-API-KEY", key).DELETE());
        assertThat(kill.statusCode()).isEqualTo(204);
        assertThat(health(id1, Optional.of(token1)).statusCode()).isEqualTo(502);

        // tokens are credentials: never in the server's log
        String log = Files.readString(server.logFile());
        assertThat(log).doesNotContain(token1).doesNotContain(token2).doesNotContain(key);
    }

    @Test
    void aSandboxKilledMidStreamEndsTheCommand() {
        JsonNode r = E2bSdk.run("midstream.mjs", E2bSdk.env(e2bUrl, server.ownerKey()), Duration.ofMinutes(2));
        assertThat(r.at("/killed").asBoolean()).isTrue();
        assertThat(r.at("/seen").asText()).isEqualTo("started\n");
        assertThat(r.at("/result/ok").asBoolean()).isFalse();
        assertThat(r.at("/result/error/name").asText()).as(r.toString()).isIn("SandboxNotFoundError", "TimeoutError");
        assertThat(r.at("/msToFail").asLong()).isLessThan(10_000);
        assertThat(r.at("/isRunning").asBoolean()).isFalse();
    }

    @Test
    void aRateLimitedKeyGetsRateLimitError() throws IOException {
        Path other = Files.createTempDirectory(Path.of("/tmp"), "abx-e2b-rl-");
        try (TestServer limited = TestServer.start(Db.SQLITE, other, b -> b.rateLimit(RateLimit.parse("3/hour").orElseThrow()),
                Optional.empty(), Optional.empty())) {
            JsonNode r = E2bSdk.run("midstream.mjs", E2bSdk.env(limited.server().e2bUrl().orElseThrow(), limited.ownerKey()),
                    Duration.ofMinutes(2), "ratelimit");
            assertThat(r.at("/rateLimited").toString()).isEqualTo("[\"ok\",\"ok\",\"ok\",\"RateLimitError\",\"RateLimitError\"]");
            assertThat(r.at("/lastError/message").asText()).startsWith("Rate limit exceeded");
        } finally {
            TestFiles.deleteRecursively(other);
        }
    }

    private JsonNode create(String key) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(e2bUrl + "/v2/sandboxes"))
                .header("X-API-KEY", key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("templateID", "base", "timeout", 120)))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> health(String id, Optional<String> token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(e2bUrl + "/health")).header("E2b-Sandbox-Id", id).GET();
        token.ifPresent(t -> b.header("X-Access-Token", t));
        return send(b);
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
