package io.agentbox.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A scripted fake of the Anthropic Messages API on a real HTTP port of 127.0.0.1. It speaks the
 * real wire protocol (SSE with {@code event:} lines, or JSON), so real clients such as
 * {@code com.anthropic:anthropic-java} or the Claude Code CLI run unchanged against
 * {@link #baseUrl()}.
 *
 * <p>Each {@code POST /v1/messages} takes the next {@link Step} from the queue ({@link #enqueue});
 * when the queue is empty, the {@link Responder} set with {@link #respondWith} answers; without
 * one, the request fails with a 500 whose message says the script is exhausted. Every request is
 * recorded ({@link #requests()}) before it is answered. Thread-safe: any number of concurrent
 * requests, and enqueueing while requests run.
 *
 * <pre>{@code
 * try (FakeAnthropic fake = FakeAnthropic.start()) {
 *     fake.enqueue(Reply.toolUse("Bash", Map.of("command", "ls")), Reply.text("Done."));
 *     // point the client under test at fake.baseUrl()
 * }
 * }</pre>
 */
public final class FakeAnthropic implements AutoCloseable {
    static final String MESSAGES_PATH = "/v1/messages";
    static final String COUNT_TOKENS_PATH = "/v1/messages/count_tokens";
    static final int DEFAULT_CHUNK_SIZE = 8;

    static {
        // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's
        // delayed ACK and every response waits ~40 ms. Read once, when the server class loads.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final int chunkSize;
    private final Queue<Step> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger consumed = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Responder responder;
    private final Recordings recordings;

    private FakeAnthropic(Builder b) throws IOException {
        this.chunkSize = b.chunkSize;
        this.recordings = new Recordings(b.recordBodies, b.listener);
        this.responder = b.responder.orElse(null);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), b.port), 1024);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a fake on a random free port. */
    public static FakeAnthropic start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code http://127.0.0.1:PORT}, what a client takes as its base URL. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Appends steps to the queue; each request to {@code /v1/messages} consumes one. */
    public FakeAnthropic enqueue(Step... steps) {
        return enqueueAll(List.of(steps));
    }

    public FakeAnthropic enqueueAll(Collection<? extends Step> steps) {
        steps.forEach(s -> queue.add(Objects.requireNonNull(s, "step")));
        return this;
    }

    /**
     * Plays a script: a {@link Script.Mode#QUEUE} script is enqueued, a
     * {@link Script.Mode#PER_CONVERSATION} one becomes the responder.
     */
    public FakeAnthropic load(Script script) {
        return switch (script.mode()) {
            case QUEUE -> enqueueAll(script.steps());
            case PER_CONVERSATION -> respondWith(Responders.perConversation(script.steps()));
        };
    }

    /** Loads and plays a JSON script file. */
    public FakeAnthropic load(Path scriptFile) {
        return load(Script.load(scriptFile));
    }

    /**
     * Answers requests that find the queue empty. Use it for rule-based scripts, or with
     * {@link Responders#perConversation} for many concurrent conversations replaying one script.
     */
    public FakeAnthropic respondWith(Responder responder) {
        this.responder = Objects.requireNonNull(responder, "responder");
        return this;
    }

    /** How many enqueued steps are not yet consumed. */
    public int pending() {
        return queue.size();
    }

    /** Every request received so far (any path), in arrival order. */
    public List<RecordedRequest> requests() {
        return recordings.all();
    }

    /** The {@code POST /v1/messages} requests received so far, in arrival order. */
    public List<RecordedRequest> messageRequests() {
        return requests().stream().filter(RecordedRequest::isMessages).toList();
    }

    /**
     * The most recent request.
     *
     * @throws AssertionError when no request has arrived
     */
    public RecordedRequest lastRequest() {
        return recordings.last();
    }

    /**
     * Waits until at least {@code count} requests have arrived and returns them all.
     *
     * @throws AssertionError when fewer arrived before the timeout, listing those that did
     */
    public List<RecordedRequest> awaitRequests(int count, Duration timeout) {
        return recordings.await(count, timeout);
    }

    /** Empties the queue and the recordings and drops the responder: as freshly started, on the same port. */
    public FakeAnthropic reset() {
        queue.clear();
        consumed.set(0);
        responder = null;
        recordings.clear();
        return this;
    }

    /** Stops the server at once; requests still being answered are cut off. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- request handling ----

    private void handle(HttpExchange ex) throws IOException {
        byte[] bytes = ex.getRequestBody().readAllBytes();
        JsonNode body = Json.parseBody(bytes);
        RecordedRequest request = recordings.record(ex, body);
        String method = ex.getRequestMethod();
        String path = request.path();
        if (method.equals("POST") && path.equals(MESSAGES_PATH)) {
            if (!body.isObject()) {
                ExchangeWriter.sendError(ex, Failure.badRequest("the request body must be a JSON object"));
            } else {
                answer(ex, request);
            }
        } else if (method.equals("POST") && path.equals(COUNT_TOKENS_PATH)) {
            ExchangeWriter.sendJson(ex, 200, Json.object().put("input_tokens", Json.estimateInputTokens(body)), Map.of());
        } else {
            ExchangeWriter.sendError(ex, Failure.http(404, "not_found_error", "the fake Anthropic API serves POST " + MESSAGES_PATH
                    + " and POST " + COUNT_TOKENS_PATH + ", not " + method + " " + path));
        }
    }

    private void answer(HttpExchange ex, RecordedRequest request) throws IOException {
        Step step = next(request);
        switch (step) {
            case Reply reply -> ExchangeWriter.sendReply(ex, request, reply, chunkSize, -1, Optional.empty());
            case Failure.HttpError error -> ExchangeWriter.sendError(ex, error);
            case Failure.StreamCut cut -> ExchangeWriter.sendReply(ex, request, cut.partial(), chunkSize, cut.afterEvents(), Optional.empty());
            case Failure.StreamError error -> {
                if (request.streaming()) {
                    ExchangeWriter.sendReply(ex, request, error.partial(), chunkSize, error.afterEvents(), Optional.of(error));
                } else {
                    ExchangeWriter.sendError(ex, Failure.http(ErrorTypes.statusFor(error.type()), error.type(), error.message()));
                }
            }
        }
    }

    private Step next(RecordedRequest request) {
        Step step = queue.poll();
        if (step != null) {
            consumed.incrementAndGet();
            return step;
        }
        Responder r = responder;
        if (r == null) {
            return Failure.http(500, "api_error", "fake Anthropic API: no scripted step left for request #"
                            + request.index() + " (POST " + MESSAGES_PATH + "); " + consumed.get()
                            + " steps were consumed. Enqueue more steps or set a responder.")
                    .withHeader("x-should-retry", "false");
        }
        try {
            return Objects.requireNonNull(r.respond(request), "the responder returned null");
        } catch (RuntimeException e) {
            return Failure.http(500, "api_error", "fake Anthropic API: the responder failed on request #"
                            + request.index() + ": " + e)
                    .withHeader("x-should-retry", "false");
        }
    }

    /** Configures a {@link FakeAnthropic} before it starts. */
    public static final class Builder {
        private int port;
        private int chunkSize = DEFAULT_CHUNK_SIZE;
        private boolean recordBodies = true;
        private Optional<Responder> responder = Optional.empty();
        private Consumer<RecordedRequest> listener;

        private Builder() {}

        /** The port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0-65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Characters per {@code text_delta}, {@code thinking_delta} and {@code input_json_delta} chunk (default 8). */
        public Builder chunkSize(int characters) {
            if (characters < 1) {
                throw new IllegalArgumentException("chunkSize must be at least 1");
            }
            this.chunkSize = characters;
            return this;
        }

        /** The responder for requests that find the queue empty. */
        public Builder responder(Responder responder) {
            this.responder = Optional.of(responder);
            return this;
        }

        /**
         * Whether recordings keep request bodies (default true). Turn off when driving thousands of
         * requests through one fake; responders still see every body.
         */
        public Builder recordBodies(boolean recordBodies) {
            this.recordBodies = recordBodies;
            return this;
        }

        /** Called on each request as it is recorded, before it is answered; must not throw. */
        public Builder onRequest(Consumer<RecordedRequest> listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public FakeAnthropic start() {
            try {
                return new FakeAnthropic(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the fake Anthropic API on 127.0.0.1:" + port, e);
            }
        }
    }
}
