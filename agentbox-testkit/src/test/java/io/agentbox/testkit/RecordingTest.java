package io.agentbox.testkit;

import static io.agentbox.testkit.SdkClients.client;
import static io.agentbox.testkit.SdkClients.params;
import static io.agentbox.testkit.SdkClients.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RecordingTest {

    /** A request shaped like the Claude Code CLI's: beta query, bearer-free key, a system message inside messages. */
    private static final String CLAUDE_CODE_STYLE_BODY = """
            {"model":"claude-opus-5-5","max_tokens":128000,"stream":true,
             "thinking":{"type":"adaptive","display":"updates"},"output_config":{"effort":"medium"},
             "context_management":{"edits":[]},"metadata":{"user_id":"{\\"session_id\\":\\"s1\\"}"},
             "system":[{"type":"text","text":"You are a Claude agent."},{"type":"text","text":"Be brief."}],
             "tools":[{"name":"Bash","input_schema":{"type":"object"}},{"name":"Write","input_schema":{"type":"object"}},
                      {"name":"DeferredToolPlaceholder","defer_loading":true,"input_schema":{"type":"object"}}],
             "messages":[
               {"role":"user","content":[{"type":"text","text":"<system-reminder>x</system-reminder>"},{"type":"text","text":"run ls"}]},
               {"role":"system","content":"# Environment"},
               {"role":"assistant","content":[{"type":"text","text":"Running."},{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"a.py\\nb.py","is_error":false,"cache_control":{"type":"ephemeral"}}]}
             ]}""";

    @Test
    void recordsEveryRequestWithCredentialsRedactedButCheckable() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.text("hi"));

            stream(client(fake), params("hello"));

            RecordedRequest request = fake.lastRequest();
            assertThat(request.index()).isZero();
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.path()).isEqualTo("/v1/messages");
            assertThat(request.isMessages()).isTrue();
            assertThat(request.streaming()).isTrue();
            assertThat(request.model()).contains("claude-sonnet-4-5");
            assertThat(request.lastUserText()).isEqualTo("hello");
            assertThat(request.header("Anthropic-Version")).isPresent(); // case-insensitive lookup
            // anthropic-java 3.x sends the key as "authorization: Bearer ..."
            assertThat(request.header("authorization")).contains(RecordedRequest.REDACTED);
            assertThat(request.headers().toString()).doesNotContain(SdkClients.KEY);
            assertThat(request.hasApiKey(SdkClients.KEY)).isTrue();
            assertThat(request.hasApiKey("sk-ant-other")).isFalse();
            assertThat(request.toString()).doesNotContain(SdkClients.KEY);
            assertThat(request.toJson().toString()).doesNotContain(SdkClients.KEY);
            assertThat(request.body().path("max_tokens").asInt()).isEqualTo(1024);
        }
    }

    @Test
    void recordsAnXApiKeyHeaderTheSameWay() throws Exception {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.text("hi"));

            post(fake, "/v1/messages", "{\"messages\":[]}", "x-api-key", "sk-ant-api-secret", "cookie", "session=secret");

            RecordedRequest request = fake.lastRequest();
            assertThat(request.header("x-api-key")).contains(RecordedRequest.REDACTED);
            assertThat(request.header("cookie")).contains(RecordedRequest.REDACTED);
            assertThat(request.hasApiKey("sk-ant-api-secret")).isTrue();
            assertThat(request.toJson().toString()).doesNotContain("secret");
        }
    }

    @Test
    void acceptsAClaudeCodeStyleRequestAndAnswersWithEventLines() throws Exception {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.builder().thinking("hm", "sig").text("Done: a.py").build());

            HttpResponse<String> response = post(fake, "/v1/messages?beta=true", CLAUDE_CODE_STYLE_BODY, "x-api-key", "sk-test");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
            assertThat(response.headers().firstValue("request-id")).hasValueSatisfying(v -> assertThat(v).startsWith("req_"));
            List<String> eventNames = response.body().lines().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7)).distinct().toList();
            assertThat(eventNames).containsExactly("message_start", "ping", "content_block_start", "content_block_delta",
                    "content_block_stop", "message_delta", "message_stop");
            assertThat(response.body()).contains("\"type\":\"thinking_delta\"", "\"type\":\"signature_delta\"", "\"type\":\"text_delta\"");
            assertThat(response.body()).contains("\"cache_creation_input_tokens\":0", "\"cache_read_input_tokens\":0");

            RecordedRequest request = fake.lastRequest();
            assertThat(request.query()).isEqualTo("beta=true");
            assertThat(request.isMessages()).isTrue();
            assertThat(request.messages()).hasSize(4);
            assertThat(request.assistantTurns()).isEqualTo(1);
            assertThat(request.toolNames()).containsExactly("Bash", "Write", "DeferredToolPlaceholder");
            assertThat(request.systemText()).isEqualTo("You are a Claude agent.\nBe brief.");
            assertThat(request.lastToolResult()).contains(new RecordedRequest.ToolResult("toolu_1", "a.py\nb.py", false));
            assertThat(request.lastUserText()).isEmpty();
        }
    }

    @Test
    void awaitRequestsReturnsOnceARequestIsInFlight() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.builder().text("slow").firstByteDelay(Duration.ofMillis(300)).build());
            CompletableFuture<String> call = CompletableFuture.supplyAsync(
                    () -> stream(client(fake), params("hi")).content().getFirst().text().orElseThrow().text());

            List<RecordedRequest> requests = fake.awaitRequests(1, Duration.ofSeconds(10));

            assertThat(requests).singleElement().satisfies(r -> assertThat(r.lastUserText()).isEqualTo("hi"));
            assertThat(call.join()).isEqualTo("slow");
        }
    }

    @Test
    void awaitRequestsFailsAfterItsDeadlineNamingWhatArrived() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            assertThatThrownBy(() -> fake.awaitRequests(1, Duration.ofMillis(50)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("expected 1 requests")
                    .hasMessageContaining("got 0");
            assertThatThrownBy(fake::lastRequest).isInstanceOf(AssertionError.class).hasMessageContaining("no request");
        }
    }

    @Test
    void withoutBodiesTheRecordingKeepsHeadersWhileResponderStillSeesTheBody() {
        try (FakeAnthropic fake = FakeAnthropic.builder().recordBodies(false)
                .responder(request -> Reply.text("you said " + request.lastUserText())).start()) {

            String text = stream(client(fake), params("ping")).content().getFirst().text().orElseThrow().text();

            assertThat(text).isEqualTo("you said ping");
            assertThat(fake.lastRequest().body().isMissingNode()).isTrue();
            assertThat(fake.lastRequest().toJson().has("body")).isFalse();
            assertThat(fake.lastRequest().hasApiKey(SdkClients.KEY)).isTrue();
        }
    }

    @Test
    void resetForgetsQueueRecordingsAndResponder() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.respondWith(r -> Reply.text("rule")).enqueue(Reply.text("queued"), Reply.text("queued too"));
            stream(client(fake), params("1"));

            fake.reset();

            assertThat(fake.requests()).isEmpty();
            assertThat(fake.pending()).isZero();
            assertThatThrownBy(() -> stream(client(fake), params("2"))).hasMessageContaining("no scripted step left for request #0");
        }
    }

    @Test
    void aRuleBasedResponderCanAnswerTheLastToolResult() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.builder().toolUse("toolu_01x", "Bash", Map.of("command", "echo 42")).build());
            fake.respondWith(request -> request.lastToolResult()
                    .<Step>map(result -> Reply.text("The command printed " + result.content().strip()))
                    .orElse(Failure.badRequest("expected a tool_result")));
            var client = client(fake);
            var first = stream(client, params("run it"));

            var followUp = params("run it").toBuilder()
                    .addMessage(first)
                    .addUserMessageOfContentBlockParams(List.of(com.anthropic.models.messages.ContentBlockParam.ofToolResult(
                            com.anthropic.models.messages.ToolResultBlockParam.builder().toolUseId("toolu_01x").content("42\n").build())))
                    .build();

            assertThat(stream(client, followUp).content().getFirst().text().orElseThrow().text()).isEqualTo("The command printed 42");
            assertThat(fake.lastRequest().lastToolResult()).contains(new RecordedRequest.ToolResult("toolu_01x", "42\n", false));
        }
    }

    private static HttpResponse<String> post(FakeAnthropic fake, String pathAndQuery, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fake.baseUrl() + pathAndQuery))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
