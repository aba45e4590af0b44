package io.agentbox.testkit;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A scripted failure for one request: an HTTP error in Anthropic's error shape
 * ({@code {"type":"error","error":{"type":...,"message":...}}}), an {@code error} event in the middle of
 * a stream, or a stream whose connection is dropped before {@code message_stop}.
 */
public sealed interface Failure extends Step {

    /** An HTTP error status with Anthropic's JSON error body and any extra response headers. */
    record HttpError(int status, String type, String message, Map<String, String> headers) implements Failure {
        public HttpError {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("an HTTP error status is 400-599, got " + status);
            }
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(message, "message");
            headers = Map.copyOf(headers);
        }

        /** The same error with one more response header, e.g. {@code x-should-retry: false}. */
        public HttpError withHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new HttpError(status, type, message, more);
        }
    }

    /**
     * Streams {@code partial} but drops the connection after {@code afterEvents} SSE events (pings
     * included), without the terminating chunk: the client sees a truncated stream. A
     * non-streaming request gets half of the JSON body before the connection drops.
     */
    record StreamCut(int afterEvents, Reply partial) implements Failure {
        public StreamCut {
            if (afterEvents < 0) {
                throw new IllegalArgumentException("afterEvents must not be negative");
            }
            Objects.requireNonNull(partial, "partial");
        }
    }

    /**
     * Streams {@code partial} for {@code afterEvents} SSE events (pings included), then sends an
     * {@code error} event and ends the stream, as the real API does when it overloads mid-answer. A
     * non-streaming request gets the matching HTTP error instead.
     */
    record StreamError(int afterEvents, String type, String message, Reply partial) implements Failure {
        public StreamError {
            if (afterEvents < 0) {
                throw new IllegalArgumentException("afterEvents must not be negative");
            }
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(partial, "partial");
        }
    }

    /** 429 {@code rate_limit_error} with {@code retry-after} (whole seconds, rounded up) and {@code retry-after-ms}. */
    static HttpError rateLimited(Duration retryAfter) {
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative");
        }
        long millis = retryAfter.toMillis();
        return new HttpError(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit",
                Map.of("retry-after", Long.toString((millis + 999) / 1000), "retry-after-ms", Long.toString(millis)));
    }

    /** 429 {@code rate_limit_error} without a retry hint. */
    static HttpError rateLimited() {
        return http(429, "Number of request tokens has exceeded your per-minute rate limit");
    }

    /** 529 {@code overloaded_error}. */
    static HttpError overloaded() {
        return http(529, "Overloaded");
    }

    /** 500 {@code api_error}. */
    static HttpError apiError() {
        return http(500, "Internal server error");
    }

    /** 401 {@code authentication_error}. */
    static HttpError unauthorized() {
        return http(401, "invalid x-api-key");
    }

    /** 400 {@code invalid_request_error} with the given message. */
    static HttpError badRequest(String message) {
        return http(400, message);
    }

    /** Any error status, with the error type the real API uses for it. */
    static HttpError http(int status, String message) {
        return new HttpError(status, ErrorTypes.forStatus(status), message, Map.of());
    }

    static HttpError http(int status, String type, String message) {
        return new HttpError(status, type, message, Map.of());
    }

    /** Drops the connection after {@code afterEvents} SSE events of a generic text reply. */
    static StreamCut cutAfterEvents(int afterEvents) {
        return new StreamCut(afterEvents, Reply.text("This reply is cut off before it ends, by the script."));
    }

    static StreamCut cutAfterEvents(int afterEvents, Reply partial) {
        return new StreamCut(afterEvents, partial);
    }

    /** An {@code overloaded_error} event after {@code afterEvents} SSE events of a generic text reply. */
    static StreamError errorEvent(int afterEvents) {
        return errorEvent(afterEvents, "overloaded_error", "Overloaded");
    }

    static StreamError errorEvent(int afterEvents, String type, String message) {
        return new StreamError(afterEvents, type, message,
                Reply.text("This reply is interrupted by an error event, by the script."));
    }

    static StreamError errorEvent(int afterEvents, String type, String message, Reply partial) {
        return new StreamError(afterEvents, type, message, partial);
    }
}
