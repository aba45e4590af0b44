package io.agentbox.server.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/** A WebSocket client of the server's event sockets (the JDK's client), collecting every text frame. */
public final class WebSockets implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final JsonNode CLOSED = Http.JSON.createObjectNode().put("type", "closed");

    private final WebSocket socket;
    private final LinkedBlockingQueue<JsonNode> frames;
    private final CompletableFuture<Integer> closed;

    private WebSockets(WebSocket socket, LinkedBlockingQueue<JsonNode> frames, CompletableFuture<Integer> closed) {
        this.socket = socket;
        this.frames = frames;
        this.closed = closed;
    }

    private static WebSocket.Builder builder(Http http) {
        WebSocket.Builder b = CLIENT.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        http.key().ifPresent(k -> b.header("Authorization", "Bearer " + k));
        return b;
    }

    private static URI uri(Http http, String path) {
        return URI.create(http.baseUrl().replaceFirst("^http", "ws") + path);
    }

    public static WebSockets open(Http http, String path) {
        LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        frames.add(Http.JSON.readTree(partial.toString()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                frames.add(CLOSED);
                closed.complete(statusCode);
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                frames.add(CLOSED);
                closed.complete(-1);
            }
        };
        try {
            return new WebSockets(builder(http).buildAsync(uri(http, path), listener).get(10, TimeUnit.SECONDS), frames, closed);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("cannot open " + path + ": " + e, e);
        }
    }

    /** The HTTP status with which the server refused the upgrade. */
    public static int refusal(Http http, String path) {
        try {
            WebSocket ws = builder(http).buildAsync(uri(http, path), new WebSocket.Listener() { }).join();
            ws.abort();
            throw new AssertionError("the upgrade of " + path + " was accepted");
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) return h.getResponse().statusCode();
            throw new AssertionError("upgrade of " + path + " failed otherwise: " + e.getCause(), e);
        }
    }

    public void send(Object message) {
        sendRaw(Http.write(message));
    }

    public void sendRaw(String text) {
        socket.sendText(text, true).join();
    }

    /** The next frame, or empty when the socket closed (or nothing came in {@code timeout}). */
    public Optional<JsonNode> next(Duration timeout) {
        try {
            JsonNode f = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (f == null || f == CLOSED) {
                if (f == CLOSED) frames.add(CLOSED);
                return Optional.empty();
            }
            return Optional.of(f);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Frames up to and including the first that matches; fails after {@code timeout}. */
    public List<JsonNode> until(Predicate<JsonNode> last, Duration timeout) {
        List<JsonNode> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode f = next(Duration.ofNanos(Math.max(left, 1))).orElseThrow(
                    () -> new AssertionError("socket closed or silent before the expected frame; got " + out));
            out.add(f);
            if (last.test(f)) return out;
        }
    }

    /** The close code the server sent, waiting at most {@code timeout}. */
    public int awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("the socket did not close: " + e);
        }
    }

    @Override
    public void close() {
        socket.abort();
    }
}
