package io.agentbox.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.sun.net.httpserver.HttpExchange;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/** The requests a {@link FakeAnthropic} received, in arrival order, and the waits for them. Thread-safe. */
final class Recordings {
    private final boolean recordBodies;
    private final Consumer<RecordedRequest> listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final List<RecordedRequest> recorded = new ArrayList<>();
    private int nextIndex;

    /** {@code listener} may be null. */
    Recordings(boolean recordBodies, Consumer<RecordedRequest> listener) {
        this.recordBodies = recordBodies;
        this.listener = listener;
    }

    /** Records a request before it is answered: credentials only as hashes, secret headers redacted. */
    RecordedRequest record(HttpExchange ex, JsonNode body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        Optional<String> credential = Optional.empty();
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            List<String> values = h.getValue();
            switch (name) {
                case "x-api-key" -> {
                    credential = values.stream().findFirst().map(RecordedRequest::sha256);
                    values = List.of(RecordedRequest.REDACTED);
                }
                case "authorization" -> {
                    if (credential.isEmpty()) {
                        credential = values.stream().findFirst()
                                .map(v -> v.regionMatches(true, 0, "Bearer ", 0, 7) ? v.substring(7).trim() : v)
                                .map(RecordedRequest::sha256);
                    }
                    values = List.of(RecordedRequest.REDACTED);
                }
                case "cookie" -> values = List.of(RecordedRequest.REDACTED);
                default -> values = List.copyOf(values);
            }
            headers.put(name, values);
        }
        String query = Optional.ofNullable(ex.getRequestURI().getRawQuery()).orElse("");
        RecordedRequest full;
        lock.lock();
        try {
            full = new RecordedRequest(nextIndex++, Instant.now(), ex.getRequestMethod(), ex.getRequestURI().getPath(),
                    query, headers, body, credential);
            recorded.add(recordBodies ? full : new RecordedRequest(full.index(), full.receivedAt(), full.method(),
                    full.path(), full.query(), full.headers(), MissingNode.getInstance(), full.credentialSha256()));
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        if (listener != null) {
            listener.accept(full);
        }
        return full;
    }

    List<RecordedRequest> all() {
        lock.lock();
        try {
            return List.copyOf(recorded);
        } finally {
            lock.unlock();
        }
    }

    /** @throws AssertionError when no request has arrived */
    RecordedRequest last() {
        lock.lock();
        try {
            if (recorded.isEmpty()) {
                throw new AssertionError("the fake Anthropic API has received no request");
            }
            return recorded.getLast();
        } finally {
            lock.unlock();
        }
    }

    /** @throws AssertionError when fewer than {@code count} arrived before the timeout, listing those that did */
    List<RecordedRequest> await(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (recorded.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + count + " requests to the fake Anthropic API within "
                            + timeout + ", got " + recorded.size() + ": " + summary(recorded));
                }
                arrived.awaitNanos(left);
            }
            return List.copyOf(recorded);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for requests", e);
        } finally {
            lock.unlock();
        }
    }

    void clear() {
        lock.lock();
        try {
            recorded.clear();
            nextIndex = 0;
        } finally {
            lock.unlock();
        }
    }

    private static String summary(List<RecordedRequest> requests) {
        return requests.stream().map(r -> r.method() + " " + r.path()).toList().toString();
    }
}
