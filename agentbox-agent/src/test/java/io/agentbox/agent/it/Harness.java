package io.agentbox.agent.it;

import io.agentbox.agent.Agent;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.EventListener;
import io.agentbox.agent.model.AnthropicModelClient;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.testkit.FakeAnthropic;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A fake Messages API, real local sandboxes on a private data dir, and an agent builder wired to
 * both through the real anthropic-java client. Everything is torn down after each test.
 */
public final class Harness implements BeforeEachCallback, AfterEachCallback {
    public static final String API_KEY = "sk-ant-test-9f3c1e7b2d4a6c8e0f1a3b5d7c9e1f3a";

    private Path home;
    private SandboxProvider provider;
    private FakeAnthropic fake;
    private final List<AnthropicModelClient> clients = new CopyOnWriteArrayList<>();

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "abxi-");
        provider = Sandboxes.local(home);
        fake = FakeAnthropic.start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        clients.forEach(AnthropicModelClient::close);
        clients.clear();
        provider.list(SandboxQuery.ALL).forEach(i -> provider.kill(i.id()));
        fake.close();
        deleteRecursively(home);
    }

    static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover temp dir must not fail the test
        }
    }

    public FakeAnthropic fake() {
        return fake;
    }

    public SandboxProvider provider() {
        return provider;
    }

    public Path home() {
        return home;
    }

    public AnthropicModelClient client(int maxRetries) {
        AnthropicModelClient c = AnthropicModelClient.builder().apiKey(API_KEY).baseUrl(fake.baseUrl()).maxRetries(maxRetries)
                .initialBackoff(Duration.ofMillis(20)).maxBackoff(Duration.ofMillis(100)).timeout(Duration.ofSeconds(30)).build();
        clients.add(c);
        return c;
    }

    public Agent.Builder agent() {
        return Agent.builder().modelClient(client(2)).sandboxProvider(provider)
                .sandbox(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).build());
    }

    /** Collects a run's events. */
    public static final class Events implements EventListener {
        private final List<Event> events = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(Event event) {
            events.add(event);
        }

        public List<Event> all() {
            return List.copyOf(events);
        }

        public List<String> types() {
            return events.stream().map(Event::type).toList();
        }

        @SuppressWarnings("unchecked")
        public <T extends EventData> List<T> of(Class<T> type) {
            return events.stream().map(Event::data).filter(type::isInstance).map(d -> (T) d).toList();
        }

        public boolean any(Predicate<Event> p) {
            return events.stream().anyMatch(p);
        }
    }

    /** Polls until the condition holds or the deadline passes. */
    public static void await(Duration timeout, String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
