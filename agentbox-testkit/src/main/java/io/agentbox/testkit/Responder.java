package io.agentbox.testkit;

/**
 * Chooses the answer to a request from the request itself, for scripts that depend on what the
 * client sent (e.g. "echo the last tool_result"). Called concurrently from many requests; it must
 * be thread-safe. What it throws is answered with a 500 {@code api_error} naming the exception.
 */
@FunctionalInterface
public interface Responder {
    Step respond(RecordedRequest request);
}
