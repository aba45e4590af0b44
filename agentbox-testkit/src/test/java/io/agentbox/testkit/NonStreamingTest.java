package io.agentbox.testkit;

import static io.agentbox.testkit.SdkClients.client;
import static io.agentbox.testkit.SdkClients.params;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.StopReason;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NonStreamingTest {

    @Test
    void answersWithTheWholeMessageAsJson() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.builder()
                    .thinking("plan", "sig-1")
                    .text("Running it.")
                    .toolUse("toolu_01abc", "Bash", Map.of("command", "python3 a.py"))
                    .usage(10, 20, 30, 40)
                    .build());

            Message message = client(fake).messages().create(params("run a.py"));

            assertThat(message.content()).hasSize(3);
            assertThat(message.content().get(0).thinking().orElseThrow().signature()).isEqualTo("sig-1");
            assertThat(message.content().get(1).text().orElseThrow().text()).isEqualTo("Running it.");
            var toolUse = message.content().get(2).toolUse().orElseThrow();
            assertThat(toolUse.id()).isEqualTo("toolu_01abc");
            assertThat(toolUse._input().convert(JsonNode.class).path("command").asText()).isEqualTo("python3 a.py");
            assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
            assertThat(message.usage().inputTokens()).isEqualTo(10);
            assertThat(message.usage().outputTokens()).isEqualTo(20);
            assertThat(message.usage().cacheCreationInputTokens()).contains(30L);
            assertThat(message.usage().cacheReadInputTokens()).contains(40L);
            assertThat(fake.lastRequest().streaming()).isFalse();
        }
    }

    @Test
    void countsTokensWithoutConsumingTheScript() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.text("unused"));
            AnthropicClient client = client(fake);

            long small = client.messages().countTokens(MessageCountTokensParams.builder()
                    .model("claude-sonnet-4-5").addUserMessage("hi").build()).inputTokens();
            long large = client.messages().countTokens(MessageCountTokensParams.builder()
                    .model("claude-sonnet-4-5").addUserMessage("hello there ".repeat(100)).build()).inputTokens();

            assertThat(small).isPositive();
            assertThat(large).isGreaterThan(small + 250);
            assertThat(fake.pending()).isEqualTo(1);
            assertThat(fake.lastRequest().path()).isEqualTo("/v1/messages/count_tokens");
        }
    }

    @Test
    void answersAnythingElseWithA404InAnthropicsErrorShape() throws Exception {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            assertThatThrownBy(() -> client(fake).models().list())
                    .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.statusCode()).isEqualTo(404));

            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/complete")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.headers().firstValue("content-type")).contains("application/json");
            JsonNode body = Json.parse(response.body());
            assertThat(body.path("type").asText()).isEqualTo("error");
            assertThat(body.path("error").path("type").asText()).isEqualTo("not_found_error");
            assertThat(body.path("error").path("message").asText()).contains("POST /v1/complete");
            assertThat(fake.requests()).extracting(RecordedRequest::path).containsExactly("/v1/models", "/v1/complete");
        }
    }

    @Test
    void rejectsABodyThatIsNotJsonWithoutConsumingTheScript() throws Exception {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.text("kept"));

            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/messages")).POST(HttpRequest.BodyPublishers.ofString("not json")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(Json.parse(response.body()).path("error").path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(fake.pending()).isEqualTo(1);
        }
    }
}
