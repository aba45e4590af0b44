package io.agentbox.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a {@link FakeAnthropic}'s answers on the wire as the real API does: JSON, or SSE events
 * (paced, cut off or ending in an error event as the script says), and error bodies.
 */
final class ExchangeWriter {
    private ExchangeWriter() {}

    /**
     * Sends a reply; when {@code stopAfter} is not negative, only that many events are sent, then
     * either the error event or (without one) a dropped connection.
     */
    static void sendReply(HttpExchange ex, RecordedRequest request, Reply reply, int chunkSize, int stopAfter,
            Optional<Failure.StreamError> error) throws IOException {
        pause(reply.firstByteDelay());
        MessageRenderer renderer = new MessageRenderer(reply, request, chunkSize);
        Headers headers = ex.getResponseHeaders();
        headers.set("request-id", WireIds.requestId());
        if (!request.streaming()) {
            byte[] bytes = Json.bytes(renderer.message());
            headers.set("content-type", "application/json");
            if (stopAfter < 0) {
                ex.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
                return;
            }
            ex.sendResponseHeaders(200, bytes.length);
            OutputStream out = ex.getResponseBody();
            out.write(bytes, 0, bytes.length / 2);
            out.flush();
            throw new ConnectionDrop();
        }

        headers.set("content-type", "text/event-stream; charset=utf-8");
        headers.set("cache-control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = new BufferedOutputStream(ex.getResponseBody(), 16 * 1024);
        List<MessageRenderer.Event> events = renderer.events();
        boolean paced = !reply.chunkDelay().isZero();
        int sent = 0;
        for (MessageRenderer.Event event : events) {
            if (sent == stopAfter) {
                break;
            }
            if (paced && sent >= 2) {
                out.flush();
                pause(reply.chunkDelay());
            }
            out.write(event.bytes());
            sent++;
            if (sent == 2) {
                out.flush(); // message_start and ping go out at once, as the first bytes do for real
            }
        }
        if (error.isPresent()) {
            ObjectNode data = Json.object().put("type", "error");
            data.putObject("error").put("type", error.get().type()).put("message", error.get().message());
            out.write(MessageRenderer.Event.of("error", data).bytes());
        } else if (stopAfter >= 0) {
            out.flush();
            throw new ConnectionDrop();
        }
        out.close();
    }

    static void sendError(HttpExchange ex, Failure.HttpError error) throws IOException {
        ObjectNode body = Json.object().put("type", "error");
        body.putObject("error").put("type", error.type()).put("message", error.message());
        sendJson(ex, error.status(), body, error.headers());
    }

    static void sendJson(HttpExchange ex, int status, ObjectNode body, Map<String, String> extraHeaders)
            throws IOException {
        byte[] bytes = Json.bytes(body);
        Headers headers = ex.getResponseHeaders();
        headers.set("content-type", "application/json");
        headers.set("request-id", WireIds.requestId());
        extraHeaders.forEach(headers::set);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void pause(Duration delay) throws IOException {
        if (delay.isZero()) {
            return;
        }
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("the fake is closing", e);
        }
    }

    /**
     * Thrown out of the handler to make the JDK server close the connection without finishing the
     * response (no terminating chunk), which is how a client sees a dropped stream.
     */
    private static final class ConnectionDrop extends RuntimeException {
        ConnectionDrop() {
            super("stream cut by the script", null, false, false);
        }
    }
}
