package io.agentbox.agent.it;

import io.agentbox.agent.AgentErrorCategory;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.event.EventData;
import io.agentbox.testkit.Failure;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Retries with backoff on 429, 529, 5xx and cut streams, observable as events; typed errors after the last try. */
class RetryTest {
    @RegisterExtension
    final Harness h = new Harness();

    @Test
    void rateLimitHonoursRetryAfter() {
        h.fake().enqueue(Failure.rateLimited(Duration.ofMillis(700)), Reply.text("ok"));
        Harness.Events events = new Harness.Events();
        long start = System.nanoTime();
        AgentResult r = h.agent().build().run("hi", events);
        assertThat(r.isSuccess()).isTrue();
        List<EventData.Retry> retries = events.of(EventData.Retry.class);
        assertThat(retries).hasSize(1);
        assertThat(retries.getFirst().category()).isEqualTo(AgentErrorCategory.API_RATE_LIMIT);
        assertThat(retries.getFirst().status()).isEqualTo(429);
        assertThat(retries.getFirst().delayMs()).isEqualTo(700);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
        assertThat(h.fake().messageRequests()).hasSize(2);
    }

    @Test
    void overloadedServerErrorsAndCutStreamsAreRetried() {
        h.fake().enqueue(Failure.overloaded(), Failure.apiError(),
                new Failure.StreamCut(4, Reply.text("partial answer that is cut")),
                new Failure.StreamError(3, "overloaded_error", "Overloaded", Reply.text("partial")),
                Reply.text("finally"));
        Harness.Events events = new Harness.Events();
        AgentResult r = h.agent().modelClient(h.client(4)).build().run("hi", events);
        assertThat(r.isSuccess()).as(r.error().toString()).isTrue();
        assertThat(r.result()).isEqualTo("finally");
        assertThat(events.of(EventData.Retry.class)).extracting(EventData.Retry::category).containsExactly(
                AgentErrorCategory.API_OVERLOADED, AgentErrorCategory.API_ERROR, AgentErrorCategory.API_ERROR, AgentErrorCategory.API_OVERLOADED);
        assertThat(events.of(EventData.Retry.class)).extracting(EventData.Retry::status).containsExactly(529, 500, 0, 0);
        assertThat(r.turns()).isEqualTo(1);
    }

    @Test
    void afterTheLastTryTheErrorIsTyped() {
        h.fake().enqueue(Failure.overloaded(), Failure.overloaded(), Failure.overloaded());
        AgentResult r = h.agent().modelClient(h.client(2)).build().run("hi", new Harness.Events());
        assertThat(r.error().orElseThrow().category()).isEqualTo(AgentErrorCategory.API_OVERLOADED);
        assertThat(h.fake().messageRequests()).hasSize(3);

        h.fake().reset();
        h.fake().enqueue(Failure.rateLimited(), Failure.rateLimited());
        assertThat(h.agent().modelClient(h.client(1)).build().run("hi", new Harness.Events()).error().orElseThrow().category())
                .isEqualTo(AgentErrorCategory.API_RATE_LIMIT);
    }

    @Test
    void authErrorsAreNotRetried() {
        h.fake().enqueue(Failure.unauthorized(), Reply.text("never"));
        Harness.Events events = new Harness.Events();
        AgentResult r = h.agent().build().run("hi", events);
        assertThat(r.error().orElseThrow().category()).isEqualTo(AgentErrorCategory.API_AUTH);
        assertThat(events.of(EventData.Retry.class)).isEmpty();
        assertThat(h.fake().messageRequests()).hasSize(1);
        assertThat(r.error().get().message()).doesNotContain(Harness.API_KEY);
    }
}
