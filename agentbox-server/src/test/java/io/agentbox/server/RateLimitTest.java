package io.agentbox.server;

import io.agentbox.server.support.Db;
import io.agentbox.server.support.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class RateLimitTest extends ServerTestBase {

    @Override
    protected ServerConfig.Builder configure(ServerConfig.Builder b) {
        return b.rateLimit(RateLimit.parse("10/min").orElseThrow());
    }

    @Test
    void eachKeyHasItsOwnBucketAndTheEleventhRequestIs429WithRetryAfter() {
        var created = server.owner().post("/v1/workspaces/" + server.defaultWorkspace() + "/keys", Map.of("name", "limited", "role", "viewer"));
        var limited = server.owner().as(created.json().get("key").asText());
        for (int i = 0; i < 10; i++) assertThat(limited.get("/v1/me").status()).isEqualTo(200);
        var r = limited.get("/v1/me");
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.errorCode()).isEqualTo("rate_limited");
        long retryAfter = Long.parseLong(r.header("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 6L);
        assertThat(server.owner().get("/v1/me").status()).as("another key is unaffected").isEqualTo(200);
        assertThat(server.anonymous().get("/healthz").status()).as("operations endpoints are not limited").isEqualTo(200);
    }
}
