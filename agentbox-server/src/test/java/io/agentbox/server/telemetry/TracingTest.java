package io.agentbox.server.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.Tracing;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ScriptedModel;
import io.agentbox.server.support.TestFiles;
import io.agentbox.server.support.TestServer;
import io.agentbox.testkit.OtlpReceiver;
import io.agentbox.testkit.OtlpReceiver.ReceivedSpan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Traces of scripted runs, exported over real OTLP/HTTP to an in-process receiver, with the telemetry set up
 * from {@code OTEL_*} variables as {@code agentbox serve} does. Tracing does not depend on the database, so
 * SQLite only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private ScriptedModel model;
    private OtlpReceiver receiver;

    @BeforeAll
    void start() {
        model = ScriptedModel.start();
        receiver = OtlpReceiver.start();
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : toClose.reversed()) c.close();
        for (Path d : dirs) {
            var provider = Sandboxes.local(d.resolve("data"));
            provider.list(SandboxQuery.ALL).forEach(i -> provider.kill(i.id()));
            TestFiles.deleteRecursively(d);
        }
        receiver.close();
        model.close();
    }

    private TestServer server(Map<String, String> env) throws IOException {
        Path dir = Files.createTempDirectory("agentbox-trace-");
        dirs.add(dir);
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
        all.put("OTEL_BSP_SCHEDULE_DELAY", "50");
        TestServer s = TestServer.start(Db.SQLITE, dir, b -> TestServer.withModel(b, model), Optional.empty(), Optional.empty(),
                b -> b.telemetry(Telemetry.fromEnvironment(all)));
        toClose.add(s);
        return s;
    }

    private static JsonNode awaitEnd(Http http, String id) {
        return Poll.until(Duration.ofSeconds(60), () -> http.get("/v1/runs/" + id).json(),
                r -> Set.of("succeeded", "failed", "canceled").contains(r.get("status").asText()), "run " + id + " ends");
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        b[0] |= 1;
        return HexFormat.of().formatHex(b);
    }

    private List<ReceivedSpan> trace(String traceId) {
        return receiver.spans().stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    private static ReceivedSpan one(List<ReceivedSpan> spans, String name) {
        List<ReceivedSpan> found = spans.stream().filter(s -> s.name().equals(name)).toList();
        assertThat(found).as(name + " in " + spans.stream().map(ReceivedSpan::name).toList()).hasSize(1);
        return found.getFirst();
    }

    @Test
    void aRunIsATreeUnderTheRequestThatStartedItWithGenAiAttributes() throws Exception {
        TestServer server = server(Map.of("OTEL_TRACES_SAMPLER", "always_on"));
        String traceId = hex(16);
        String callerSpan = hex(8);
        HttpRequest post = HttpRequest.newBuilder(URI.create(server.url() + "/v1/runs"))
                .header("Authorization", "Bearer " + server.ownerKey()).header("Content-Type", "application/json")
                .header("traceparent", "00-" + traceId + "-" + callerSpan + "-01")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"bash echo traced; say done; cost 0.01\", \"model\": \"claude-sonnet-4-5\"}"))
                .build();
        HttpResponse<String> res;
        try (HttpClient client = HttpClient.newHttpClient()) {
            res = client.send(post, HttpResponse.BodyHandlers.ofString());
        }
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        String runId = Http.JSON.readTree(res.body()).get("id").asText();
        JsonNode run = awaitEnd(server.owner(), runId);
        assertThat(run.get("status").asText()).isEqualTo("succeeded");

        ReceivedSpan root = receiver.await(s -> runId.equals(s.attributes().get("agentbox.run.id")), Duration.ofSeconds(30));
        assertThat(root.traceId()).as("the run joins the caller's trace").isEqualTo(traceId);
        receiver.await(s -> s.name().equals("sandbox.exec") && s.traceId().equals(traceId), Duration.ofSeconds(10));
        List<ReceivedSpan> spans = trace(traceId);

        ReceivedSpan http = one(spans, "POST /v1/runs");
        assertThat(http.parentSpanId()).isEqualTo(callerSpan);
        assertThat(http.kind()).isEqualTo(2); // SERVER
        assertThat(http.attributes()).containsEntry("http.route", "/v1/runs").containsEntry("http.response.status_code", 202L);

        assertThat(root.name()).isEqualTo("invoke_agent agentbox");
        assertThat(root.parentSpanId()).isEqualTo(http.spanId());
        assertThat(root.attributes()).containsEntry("gen_ai.operation.name", "invoke_agent")
                .containsEntry("agentbox.workspace.id", server.defaultWorkspace()).containsEntry("agentbox.run.status", "succeeded");
        assertThat(root.isError()).isFalse();

        List<ReceivedSpan> chats = spans.stream().filter(s -> s.name().equals("chat claude-sonnet-4-5")).toList();
        assertThat(chats).hasSize(2);
        for (ReceivedSpan c : chats) {
            assertThat(c.parentSpanId()).isEqualTo(root.spanId());
            assertThat(c.kind()).isEqualTo(3); // CLIENT
            assertThat(c.attributes()).containsEntry("gen_ai.operation.name", "chat").containsEntry("gen_ai.provider.name", "anthropic")
                    .containsEntry("gen_ai.request.model", "claude-sonnet-4-5")
                    .containsKeys("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.cache_read.input_tokens",
                            "gen_ai.usage.cache_creation.input_tokens", "gen_ai.response.id", "gen_ai.response.finish_reasons");
        }
        long input = chats.stream().mapToLong(c -> (Long) c.attributes().get("gen_ai.usage.input_tokens")).sum();
        assertThat(input).isEqualTo(run.at("/usage/inputTokens").asLong());
        List<ReceivedSpan> byStart = chats.stream().sorted(java.util.Comparator.comparingLong(ReceivedSpan::startNanos)).toList();
        assertThat(byStart.getFirst().attributes().get("gen_ai.response.finish_reasons")).isEqualTo(List.of("tool_use"));
        assertThat(byStart.getLast().attributes().get("gen_ai.response.finish_reasons")).isEqualTo(List.of("end_turn"));

        List<ReceivedSpan> tools = spans.stream().filter(s -> s.name().equals("execute_tool Bash")).toList();
        assertThat(tools).hasSize(1);
        ReceivedSpan echo = null;
        for (ReceivedSpan t : tools) {
            assertThat(chats.stream().map(ReceivedSpan::spanId)).as("a tool call is a child of the model call that asked for it")
                    .contains(t.parentSpanId());
            assertThat(t.attributes()).containsEntry("gen_ai.operation.name", "execute_tool").containsEntry("gen_ai.tool.name", "Bash")
                    .containsKey("gen_ai.tool.call.id").doesNotContainKeys("gen_ai.tool.call.arguments", "gen_ai.tool.call.result");
            if (t.parentSpanId().equals(byStart.getFirst().spanId())) echo = t;
        }
        assertThat(echo).isNotNull();
        ReceivedSpan finalEcho = echo;
        List<ReceivedSpan> execs = spans.stream().filter(s -> s.name().equals("sandbox.exec")).toList();
        assertThat(execs).isNotEmpty().allSatisfy(e -> assertThat(tools.stream().map(ReceivedSpan::spanId)).contains(e.parentSpanId()));
        assertThat(execs).anySatisfy(e -> assertThat(e.parentSpanId()).isEqualTo(finalEcho.spanId()));
        assertThat(execs.getFirst().attributes()).containsEntry("process.exit.code", 0L).containsEntry("agentbox.sandbox.id", run.get("sandboxId").asText())
                .doesNotContainKey("agentbox.exec.command");
        assertThat(root.attributes()).doesNotContainKey("agentbox.prompt");

        // The trace id is in the run's events and in the JSON log of the request.
        JsonNode started = Http.JSON.readTree(server.owner().get("/v1/runs/" + runId + "/events?follow=false").body().lines()
                .filter(l -> l.startsWith("data:") && l.contains("\"run.started\"")).findFirst().orElseThrow().substring(5));
        assertThat(started.at("/data/traceId").asText()).isEqualTo(traceId);
        Poll.until(Duration.ofSeconds(10), () -> readLog(server),
                log -> log.lines().anyMatch(l -> l.contains("\"traceId\":\"" + traceId + "\"") && l.contains("/v1/runs")),
                "the access log line carries the trace id");
        assertThat(receiver.failures()).isEmpty();
    }

    private static String readLog(TestServer server) {
        try {
            return Files.readString(server.logFile());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aDroppingSamplerStillKeepsFailedRunsAndSecretsNeverLeaveEvenWithContent() throws Exception {
        TestServer server = server(Map.of("OTEL_TRACES_SAMPLER", "always_off", "AGENTBOX_TRACE_CONTENT", "true"));
        Http owner = server.owner();
        String fine = owner.post("/v1/runs", Map.of("prompt", "say fine")).json().get("id").asText();
        assertThat(awaitEnd(owner, fine).get("status").asText()).isEqualTo("succeeded");
        String secret = server.ownerKey(); // the bootstrap key: a registered secret
        String failing = owner.post("/v1/runs", Map.of("prompt", "bash echo token " + secret + "; fail")).json().get("id").asText();
        assertThat(awaitEnd(owner, failing).get("status").asText()).isEqualTo("failed");

        ReceivedSpan root = receiver.await(s -> failing.equals(s.attributes().get("agentbox.run.id")), Duration.ofSeconds(30));
        assertThat(root.isError()).isTrue();
        assertThat(root.attributes()).containsEntry("error.type", "api_error");
        receiver.await(s -> s.traceId().equals(root.traceId()) && s.name().equals("sandbox.exec"), Duration.ofSeconds(10));
        List<ReceivedSpan> spans = trace(root.traceId());
        assertThat(spans.stream().map(ReceivedSpan::name)).contains("chat claude-sonnet-4-5", "execute_tool Bash", "sandbox.exec");
        assertThat(spans.stream().map(ReceivedSpan::name)).as("requests follow the sampler: dropped").doesNotContain("POST /v1/runs");

        // Content is on: the prompt, tool input and command are there, with the secret masked everywhere.
        assertThat((String) root.attributes().get("agentbox.prompt")).contains("bash echo token [REDACTED]");
        ReceivedSpan exec = one(spans, "sandbox.exec");
        assertThat(exec.attributes().get("agentbox.exec.command").toString()).contains("echo token");
        ReceivedSpan tool = one(spans, "execute_tool Bash");
        assertThat(tool.attributes()).containsKeys("gen_ai.tool.call.arguments", "gen_ai.tool.call.result");
        for (ReceivedSpan s : receiver.spans()) {
            assertThat(s.attributes().toString() + s.statusMessage() + s.name()).doesNotContain(secret);
        }
        assertThat(receiver.spans()).noneMatch(s -> fine.equals(s.attributes().get("agentbox.run.id")));
    }

    @Test
    void withoutAnEndpointTracingIsTheNoOp() {
        Telemetry off = Telemetry.fromEnvironment(Map.of("OTEL_TRACES_SAMPLER", "always_on"));
        assertThat(off.enabled()).isFalse();
        assertThat(off.tracing()).isSameAs(Tracing.off());
        assertThat(off.openTelemetry().getTracer("x").spanBuilder("s").startSpan().getSpanContext().isValid()).isFalse();
        Telemetry disabled = Telemetry.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(), "OTEL_SDK_DISABLED", "true"));
        assertThat(disabled.enabled()).isFalse();
    }
}
