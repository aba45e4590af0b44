package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The raw sandbox API over HTTP, on real bubblewrap sandboxes. */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class SandboxApiTest extends ServerTestBase {

    @Override
    protected ServerConfig.Builder configure(ServerConfig.Builder b) {
        return b.maxUploadBytes(1 << 20);
    }

    private static String create(Http http, Map<String, Object> body) {
        var r = http.post("/v1/sandboxes", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    @Test
    void createExecStreamFilesAndKill() throws Exception {
        TestServer.Tenant t = server.tenant("sandboxes");
        Http m = t.member();
        String id = create(m, Map.of("workspaceId", t.workspaceId(), "timeout", "2m", "env", Map.of("GREETING", "hi")));
        try {
            assertThat(m.get("/v1/sandboxes?workspaceId=" + t.workspaceId()).json().get("data").findValuesAsText("id")).contains(id);
            assertThat(t.viewer().get("/v1/sandboxes/" + id).json().get("kind").asText()).isEqualTo("raw");

            var once = m.post("/v1/sandboxes/" + id + "/exec", Map.of("shell", "echo $GREETING; echo oops >&2; exit 3", "stream", false));
            assertThat(once.status()).isEqualTo(200);
            assertThat(once.json().get("exitCode").asInt()).isEqualTo(3);
            assertThat(once.json().get("stdout").asText()).isEqualTo("hi\n");
            assertThat(once.json().get("stderr").asText()).isEqualTo("oops\n");

            var req = m.request("/v1/sandboxes/" + id + "/exec").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Http.write(Map.of("command", List.of("bash", "-c", "for i in 1 2 3; do echo line$i; sleep 0.05; done"))))).build();
            var res = m.stream(req);
            assertThat(res.headers().firstValue("Content-Type").orElse("")).startsWith("application/x-ndjson");
            List<JsonNode> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) lines.add(Http.JSON.readTree(line));
            }
            StringBuilder out = new StringBuilder();
            lines.stream().filter(l -> l.get("type").asText().equals("stdout")).forEach(l -> out.append(l.get("data").asText()));
            assertThat(out.toString()).isEqualTo("line1\nline2\nline3\n");
            JsonNode exit = lines.get(lines.size() - 1);
            assertThat(exit.get("type").asText()).isEqualTo("exit");
            assertThat(exit.get("exitCode").asInt()).isZero();
            assertThat(exit.get("reason").asText()).isEqualTo("exited");

            byte[] content = "print(6*7)\n".getBytes(StandardCharsets.UTF_8);
            var up = m.postBytes("/v1/sandboxes/" + id + "/files?path=/workspace/app.py", content, "application/octet-stream");
            assertThat(up.status()).isEqualTo(201);
            assertThat(up.json().get("size").asInt()).isEqualTo(content.length);
            assertThat(t.viewer().get("/v1/sandboxes/" + id + "/files?path=app.py").status()).as("viewers do not read files").isEqualTo(403);
            var down = m.get("/v1/sandboxes/" + id + "/files?path=app.py");
            assertThat(down.status()).isEqualTo(200);
            assertThat(down.raw().body()).isEqualTo(content);
            var listing = m.get("/v1/sandboxes/" + id + "/files?path=/workspace");
            assertThat(listing.json().get("data").findValuesAsText("name")).contains("app.py");
            assertThat(m.post("/v1/sandboxes/" + id + "/exec", Map.of("command", List.of("python3", "app.py"), "stream", false))
                    .json().get("stdout").asText()).isEqualTo("42\n");

            assertThat(m.get("/v1/sandboxes/" + id + "/files?path=/workspace/missing.txt").status()).isEqualTo(404);
            assertThat(m.get("/v1/sandboxes/" + id + "/files?path=../../etc/shadow").status()).isIn(400, 404);
            assertThat(m.postBytes("/v1/sandboxes/" + id + "/files?path=big.bin", new byte[(1 << 20) + 1], "application/octet-stream").status()).isEqualTo(413);
            assertThat(t.viewer().post("/v1/sandboxes/" + id + "/exec", Map.of("shell", "true")).status()).isEqualTo(403);
        } finally {
            assertThat(m.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
        }
        assertThat(m.post("/v1/sandboxes/" + id + "/exec", Map.of("shell", "true")).status()).isEqualTo(404);
        assertThat(m.get("/v1/sandboxes?workspaceId=" + t.workspaceId()).json().get("data").findValuesAsText("id")).doesNotContain(id);
    }

    @Test
    void badSandboxInputIs400AndCreatesNothing() {
        TestServer.Tenant t = server.tenant("sandbox-validation");
        Http m = t.member();
        assertThat(m.post("/v1/sandboxes", Map.of("workspaceId", t.workspaceId(), "timeout", "a while")).errorMessage()).contains("'timeout'");
        assertThat(m.post("/v1/sandboxes", Map.of("workspaceId", t.workspaceId(), "memoryMb", 1)).errorMessage()).contains("'memoryMb'");
        assertThat(m.post("/v1/sandboxes", Map.of("workspaceId", t.workspaceId(), "network", "wide")).errorMessage()).contains("'network'");
        assertThat(m.post("/v1/sandboxes", Map.of("workspaceId", t.workspaceId(), "metadata", Map.of("agentbox.owner", "x"))).status()).isEqualTo(400);
        assertThat(m.post("/v1/sandboxes", Map.of("workspaceId", t.workspaceId(), "env", Map.of("A", 1))).errorMessage()).contains("'env.A'");
        assertThat(m.get("/v1/sandboxes?workspaceId=" + t.workspaceId()).json().get("data")).isEmpty();
        String id = create(m, Map.of("workspaceId", t.workspaceId()));
        try {
            assertThat(m.post("/v1/sandboxes/" + id + "/exec", Map.of("shell", "true", "command", List.of("true"))).status()).isEqualTo(400);
            assertThat(m.post("/v1/sandboxes/" + id + "/exec", Map.of("command", List.of())).errorMessage()).contains("'command'");
            assertThat(m.get("/v1/sandboxes/" + id + "/files").errorMessage()).contains("'path' is required");
        } finally {
            m.delete("/v1/sandboxes/" + id);
        }
    }
}
