package io.agentbox.testkit;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The real anthropic-java client pointed at a fake, and the small calls the tests repeat. */
final class SdkClients {
    static final String KEY = "sk-ant-test-0123456789";

    private SdkClients() {}

    static AnthropicClient client(FakeAnthropic fake) {
        return client(fake, 0);
    }

    static AnthropicClient client(FakeAnthropic fake, int maxRetries) {
        return AnthropicOkHttpClient.builder()
                .baseUrl(fake.baseUrl())
                .apiKey(KEY)
                .maxRetries(maxRetries)
                .timeout(Duration.ofSeconds(20))
                .build();
    }

    static MessageCreateParams params(String prompt) {
        return MessageCreateParams.builder()
                .model("claude-sonnet-4-5")
                .maxTokens(1024)
                .addUserMessage(prompt)
                .build();
    }

    /** Streams one request and returns the message the SDK's own accumulator assembled. */
    static Message stream(AnthropicClient client, MessageCreateParams params) {
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        return accumulator.message();
    }

    /** Streams one request and returns the raw events, pings excluded (the SDK drops them). */
    static List<RawMessageStreamEvent> events(AnthropicClient client, MessageCreateParams params) {
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
            stream.stream().forEach(events::add);
        }
        return events;
    }
}
