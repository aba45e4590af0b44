package io.agentbox.testkit;

import static io.agentbox.testkit.SdkClients.client;
import static io.agentbox.testkit.SdkClients.params;
import static io.agentbox.testkit.SdkClients.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicInvalidDataException;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.RawMessageStreamEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class FailureTest {

    static Stream<Arguments> httpFailures() {
        return Stream.of(
                Arguments.of(Failure.rateLimited(Duration.ofSeconds(3)), RateLimitException.class, 429, "rate_limit_error"),
                Arguments.of(Failure.overloaded(), OverloadedException.class, 529, "overloaded_error"),
                Arguments.of(Failure.apiError(), InternalServerException.class, 500, "api_error"),
                Arguments.of(Failure.unauthorized(), UnauthorizedException.class, 401, "authentication_error"),
                Arguments.of(Failure.badRequest("messages: at least one message is required"), BadRequestException.class, 400,
                        "invalid_request_error"));
    }

    @ParameterizedTest
    @MethodSource("httpFailures")
    void httpFailuresSurfaceAsTheSdksTypedExceptions(Failure.HttpError failure, Class<? extends AnthropicServiceException> type,
            int status, String errorType) {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(failure, failure);
            AnthropicClient client = client(fake);

            assertThatThrownBy(() -> stream(client, params("streaming")))
                    .isInstanceOfSatisfying(type, e -> {
                        assertThat(e.statusCode()).isEqualTo(status);
                        assertThat(e.getMessage()).contains(errorType).contains(failure.message());
                    });
            assertThatThrownBy(() -> client.messages().create(params("not streaming")))
                    .isInstanceOfSatisfying(type, e -> assertThat(e.statusCode()).isEqualTo(status));
            assertThat(fake.requests()).hasSize(2);
        }
    }

    @Test
    void rateLimitSendsRetryAfterHeaders() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Failure.rateLimited(Duration.ofMillis(2500)));

            assertThatThrownBy(() -> client(fake).messages().create(params("hi")))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> {
                        assertThat(e.headers().values("retry-after")).containsExactly("3");
                        assertThat(e.headers().values("retry-after-ms")).containsExactly("2500");
                    });
        }
    }

    @Test
    void theSdksOwnRetryWaitsAsLongAsRetryAfterSays() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Failure.rateLimited(Duration.ofMillis(1200)), Reply.text("after the wait"));

            Message message = stream(client(fake, 1), params("hi"));

            assertThat(message.content().getFirst().text().orElseThrow().text()).isEqualTo("after the wait");
            List<RecordedRequest> requests = fake.requests();
            assertThat(requests).hasSize(2);
            // the SDK's own backoff for a first retry is at most 0.5 s: only retry-after explains a longer gap
            assertThat(Duration.between(requests.get(0).receivedAt(), requests.get(1).receivedAt()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(1150));
        }
    }

    @Test
    void theSdkRetriesOverloadAndServerErrorsThenSucceeds() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(
                    Failure.overloaded().withHeader("retry-after-ms", "10"),
                    Failure.apiError().withHeader("retry-after-ms", "10"),
                    Reply.text("third time lucky"));

            Message message = stream(client(fake, 2), params("hi"));

            assertThat(message.content().getFirst().text().orElseThrow().text()).isEqualTo("third time lucky");
            assertThat(fake.requests()).hasSize(3);
            assertThat(fake.pending()).isZero();
        }
    }

    @Test
    void aCutStreamDeliversTheEventsBeforeTheCutThenFailsWithAnIoError() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            // message_start, ping, content_block_start, first text_delta: the SDK hides the ping
            fake.enqueue(Failure.cutAfterEvents(4, Reply.text("a long answer that never ends")));
            List<RawMessageStreamEvent> seen = new ArrayList<>();

            assertThatThrownBy(() -> {
                try (StreamResponse<RawMessageStreamEvent> s = client(fake).messages().createStreaming(params("hi"))) {
                    s.stream().forEach(seen::add);
                }
            }).isInstanceOf(AnthropicIoException.class);

            assertThat(seen).hasSize(3);
            assertThat(seen.getFirst().isMessageStart()).isTrue();
            assertThat(seen.getLast().contentBlockDelta().orElseThrow().delta().text().orElseThrow().text()).isEqualTo("a long a");
            assertThat(seen).noneMatch(RawMessageStreamEvent::isMessageStop);
        }
    }

    @Test
    void aCutNonStreamingResponseIsATruncatedBody() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Failure.cutAfterEvents(3));

            assertThatThrownBy(() -> client(fake).messages().create(params("hi")))
                    .isInstanceOf(AnthropicInvalidDataException.class)
                    .rootCause().hasMessageContaining("unexpected end of stream");
        }
    }

    @Test
    void anErrorEventMidStreamSurfacesAsAnSseException() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Failure.errorEvent(5, "overloaded_error", "Overloaded", Reply.text("partial answer here")));
            List<RawMessageStreamEvent> seen = new ArrayList<>();

            assertThatThrownBy(() -> {
                try (StreamResponse<RawMessageStreamEvent> s = client(fake).messages().createStreaming(params("hi"))) {
                    s.stream().forEach(seen::add);
                }
            }).isInstanceOfSatisfying(SseException.class, e -> assertThat(e.getMessage()).contains("overloaded_error"));

            assertThat(seen).hasSize(4);
        }
    }

    @Test
    void anErrorEventForANonStreamingRequestIsTheMatchingHttpError() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Failure.errorEvent(2));

            assertThatThrownBy(() -> client(fake).messages().create(params("hi")))
                    .isInstanceOfSatisfying(OverloadedException.class, e -> assertThat(e.statusCode()).isEqualTo(529));
        }
    }

    @Test
    void anExhaustedScriptFailsAtOnceWithAMessageNamingTheProblem() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.text("only one"));
            AnthropicClient client = client(fake, 2);
            stream(client, params("1"));

            assertThatThrownBy(() -> stream(client, params("2")))
                    .isInstanceOf(InternalServerException.class)
                    .hasMessageContaining("no scripted step left for request #1")
                    .hasMessageContaining("1 steps were consumed");
            // x-should-retry: false keeps the SDK from retrying a failure that cannot heal
            assertThat(fake.requests()).hasSize(2);
        }
    }

    @Test
    void aFailingResponderIsReportedAsA500() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.respondWith(request -> {
                throw new IllegalStateException("no rule for " + request.lastUserText());
            });

            assertThatThrownBy(() -> stream(client(fake, 2), params("mystery")))
                    .isInstanceOf(InternalServerException.class)
                    .hasMessageContaining("the responder failed")
                    .hasMessageContaining("no rule for mystery");
            assertThat(fake.requests()).hasSize(1);
        }
    }

    @Test
    void aSlowFirstByteTripsTheClientTimeoutAndTheFakeStaysUsable() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.builder().text("too late").firstByteDelay(Duration.ofSeconds(30)).build(), Reply.text("on time"));
            AnthropicClient impatient = com.anthropic.client.okhttp.AnthropicOkHttpClient.builder()
                    .baseUrl(fake.baseUrl()).apiKey(SdkClients.KEY).maxRetries(0).timeout(Duration.ofMillis(300)).build();

            assertThatThrownBy(() -> stream(impatient, params("1"))).isInstanceOf(AnthropicIoException.class);

            assertThat(stream(client(fake), params("2")).content().getFirst().text().orElseThrow().text()).isEqualTo("on time");
        }
    }

    @Test
    void aClientClosingAPacedStreamEarlyLeavesTheFakeUsable() {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            fake.enqueue(Reply.builder().text("slow ".repeat(200)).chunkDelay(Duration.ofMillis(20)).build(), Reply.text("next"));
            AnthropicClient client = client(fake);

            try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params("1"))) {
                assertThat(s.stream().limit(3).count()).isEqualTo(3);
            }

            assertThat(stream(client, params("2")).content().getFirst().text().orElseThrow().text()).isEqualTo("next");
        }
    }
}
