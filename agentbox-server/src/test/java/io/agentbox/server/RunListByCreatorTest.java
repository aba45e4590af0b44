package io.agentbox.server;

import io.agentbox.server.support.Db;
import io.agentbox.server.support.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /v1/runs?createdBy=}: the console's "started by" filter, with paging. */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class RunListByCreatorTest extends ServerTestBase {

    @Test
    void listsOnlyTheRunsThePrincipalStartedAcrossPages() {
        var t = server.tenant("by-creator-" + System.nanoTime());
        String memberId = t.member().get("/v1/me").json().get("principalId").asText();
        String adminId = t.admin().get("/v1/me").json().get("principalId").asText();
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 3; i++) mine.add(t.member().post("/v1/runs", Map.of("prompt", "say m" + i)).json().get("id").asText());
        String other = t.admin().post("/v1/runs", Map.of("prompt", "say a")).json().get("id").asText();

        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            var page = t.viewer().get("/v1/runs?workspaceId=" + t.workspaceId() + "&createdBy=" + memberId + "&limit=2"
                    + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).isEqualTo(200);
            page.json().get("data").forEach(r -> {
                assertThat(r.get("createdBy").asText()).isEqualTo(memberId);
                seen.add(r.get("id").asText());
            });
            cursor = page.json().get("nextCursor").isNull() ? null : page.json().get("nextCursor").asText();
        } while (cursor != null);
        assertThat(seen).containsExactlyInAnyOrderElementsOf(mine).doesNotContain(other);
        var admins = t.viewer().get("/v1/runs?workspaceId=" + t.workspaceId() + "&createdBy=" + adminId).json().get("data");
        assertThat(admins).extracting(r -> r.get("id").asText()).containsExactly(other);
        assertThat(t.viewer().get("/v1/runs?workspaceId=" + t.workspaceId() + "&createdBy=prn_nobody").json().get("data")).isEmpty();
    }
}
