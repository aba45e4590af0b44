package io.agentbox.agent.model;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonField;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.Headers;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.SseException;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.AgentErrorCategory;
import io.agentbox.agent.Cancellation;
import io.agentbox.agent.event.Events;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The Messages API through {@code com.anthropic:anthropic-java}, streaming. The SDK's own retries are
 * off: this client retries 429 (honouring {@code retry-after}), 529/overloaded, 5xx and streams cut
 * mid-way with exponential backoff and jitter, reporting each retry to the listener. Adds prompt-caching
 * markers on the system prompt, the tools and the conversation tail. Cancel closes the HTTP stream.
 */
public final class AnthropicModelClient implements ModelClient {
    private static final String THINKING_BETA = "interleaved-thinking-2025-05-14";

    /** The model used when neither the builder nor {@code ANTHROPIC_MODEL} names one. */
    public static final String DEFAULT_MODEL = ModelConfig.DEFAULT_MODEL;

    private final AnthropicClient client;
    private final String defaultModel;
    private final int maxRetries;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Optional<String> secret;
    private final ModelEndpoint endpoint;

    private AnthropicModelClient(Builder b) {
        ModelConfig config = new ModelConfig(b.apiKey, b.authToken, b.baseUrl, b.model).requireCredentials();
        AnthropicOkHttpClient.Builder sdk = AnthropicOkHttpClient.builder().maxRetries(0).timeout(b.timeout)
                .addInterceptor(okhttp -> new JdkHttpTransport(b.timeout, okhttp));
        if (config.apiKey().isPresent()) {
            sdk.apiKey(config.apiKey().get());
        } else {
            sdk.authToken(config.authToken().orElseThrow());
        }
        config.baseUrl().ifPresent(sdk::baseUrl);
        this.client = sdk.build();
        this.defaultModel = config.model();
        this.maxRetries = b.maxRetries;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.secret = config.apiKey().or(config::authToken);
        this.endpoint = ModelEndpoint.of(config.baseUrl(), config.apiKey(), config.authToken());
    }

    /** Configured from the environment and {@code ./.env}; throws {@code ConfigException} without a key. */
    public static AnthropicModelClient fromEnvironment() {
        return builder().fromEnvironment().build();
    }

    /**
     * The credentials {@link #fromEnvironment()} would use, by variable name ({@code ANTHROPIC_API_KEY},
     * {@code ANTHROPIC_AUTH_TOKEN}), for callers that must keep them out of places (a sandbox upload).
     */
    public static Map<String, String> credentialsFromEnvironment() {
        ModelConfig config = ModelConfig.fromEnvironment();
        Map<String, String> out = new LinkedHashMap<>();
        config.apiKey().ifPresent(k -> out.put("ANTHROPIC_API_KEY", k));
        config.authToken().ifPresent(t -> out.put("ANTHROPIC_AUTH_TOKEN", t));
        return out;
    }

    /**
     * An explicit configuration: {@code AnthropicModelClient.builder().apiKey(key).baseUrl(url).build()}.
     * Nothing is read from the environment unless {@link Builder#fromEnvironment()} is called.
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Optional<ModelEndpoint> endpoint() {
        return Optional.of(endpoint);
    }

    @Override
    public String defaultModel() {
        return defaultModel;
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public ModelResponse send(ModelRequest request, ModelListener listener, Cancellation cancellation) {
        MessageCreateParams params = params(request);
        for (int attempt = 1; ; attempt++) {
            if (cancellation.isCanceled()) throw canceled(cancellation);
            try {
                return stream(params, listener, cancellation);
            } catch (AnthropicServiceException | AnthropicIoException | StreamCut e) {
                if (cancellation.isCanceled()) throw canceled(cancellation);
                ModelException failure = classify(e);
                boolean retryable = isRetryable(e, failure);
                if (!retryable || attempt > maxRetries) throw failure;
                long delay = delayMs(attempt, e);
                listener.onRetry(attempt, maxRetries, delay, failure.category(), failure.status(), failure.getMessage());
                sleep(delay, cancellation);
            } catch (RuntimeException e) {
                if (cancellation.isCanceled()) throw canceled(cancellation);
                throw e;
            }
        }
    }

    private ModelResponse stream(MessageCreateParams params, ModelListener listener, Cancellation cancellation) {
        StreamAccumulator acc = new StreamAccumulator(listener);
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params);
             var reg = cancellation.onCancel(stream::close)) {
            Iterator<RawMessageStreamEvent> it = stream.stream().iterator();
            while (it.hasNext()) {
                if (acc.accept(it.next())) break;
            }
        }
        if (cancellation.isCanceled()) throw canceled(cancellation);
        if (!acc.complete()) throw new StreamCut();
        return acc.response();
    }

    /**
     * The request as raw JSON fields of the SDK's params: the history is already in the wire shape, and
     * converting it into the SDK's typed model on every turn (and back to JSON to send it) costs more
     * than the rest of the turn. Only the history's last message is copied, for its cache marker.
     */
    private MessageCreateParams params(ModelRequest r) {
        MessageCreateParams.Builder b = MessageCreateParams.builder().model(r.model());
        int maxTokens = r.maxTokens();
        if (r.thinkingBudget().isPresent()) {
            int budget = r.thinkingBudget().getAsInt();
            if (maxTokens <= budget) maxTokens = budget + r.maxTokens();
            b.enabledThinking(budget).putAdditionalHeader("anthropic-beta", THINKING_BETA);
        }
        b.maxTokens(maxTokens);
        ArrayNode system = Events.mapper().createArrayNode();
        ObjectNode text = system.addObject();
        text.put("type", "text");
        text.put("text", r.system());
        cache(text);
        b.system(raw(system));
        ArrayNode messages = Events.mapper().createArrayNode();
        List<ObjectNode> history = r.messages();
        for (int i = 0; i < history.size(); i++) {
            messages.add(i == history.size() - 1 ? history.get(i).deepCopy() : history.get(i));
        }
        if (!messages.isEmpty()) {
            JsonNode content = messages.get(messages.size() - 1).path("content");
            if (content.isArray() && !content.isEmpty() && content.get(content.size() - 1) instanceof ObjectNode last
                    && !last.path("type").asText().contains("thinking")) {
                cache(last);
            }
        }
        b.messages(raw(messages));
        if (!r.tools().isEmpty()) {
            ArrayNode tools = Events.mapper().createArrayNode();
            for (int i = 0; i < r.tools().size(); i++) {
                tools.add(i == r.tools().size() - 1 ? r.tools().get(i).deepCopy() : r.tools().get(i));
            }
            cache((ObjectNode) tools.get(tools.size() - 1));
            b.tools(raw(tools));
        }
        return b.build();
    }

    /** A raw JSON value where the SDK expects a typed field (its documented way to send any JSON). */
    @SuppressWarnings("unchecked")
    private static <T> JsonField<T> raw(JsonNode value) {
        return (JsonField<T>) (JsonField<?>) JsonValue.fromJsonNode(value);
    }

    private static void cache(ObjectNode block) {
        block.putObject("cache_control").put("type", "ephemeral");
    }

    private ModelException classify(RuntimeException e) {
        if (e instanceof AnthropicServiceException s) {
            int status = s instanceof SseException ? 0 : s.statusCode();
            String type = s.errorType().map(Object::toString).orElse("");
            String message = redact(s.apiMessage().orElse(s.getMessage()));
            boolean tooLong = message.toLowerCase(Locale.ROOT).contains("prompt is too long")
                    || message.toLowerCase(Locale.ROOT).contains("context window");
            AgentErrorCategory category;
            if (status == 401 || status == 403 || type.equals("authentication_error") || type.equals("permission_error")) {
                category = AgentErrorCategory.API_AUTH;
            } else if (status == 429 || type.equals("rate_limit_error")) {
                category = AgentErrorCategory.API_RATE_LIMIT;
            } else if (status == 529 || type.equals("overloaded_error")) {
                category = AgentErrorCategory.API_OVERLOADED;
            } else {
                category = AgentErrorCategory.API_ERROR;
            }
            String prefix = status > 0 ? "API error " + status : "API stream error";
            return new ModelException(category, status, prefix + (type.isEmpty() ? "" : " (" + type + ")") + ": " + message, tooLong);
        }
        String what = e instanceof StreamCut ? "the response stream ended before the message was complete"
                : "connection to the model API failed: " + redact(String.valueOf(e.getMessage()));
        return new ModelException(AgentErrorCategory.API_ERROR, 0, what, false);
    }

    private static boolean isRetryable(RuntimeException e, ModelException failure) {
        if (!(e instanceof AnthropicServiceException)) return true;
        int status = failure.status();
        return switch (failure.category()) {
            case API_RATE_LIMIT, API_OVERLOADED -> true;
            case API_ERROR -> status == 0 && !failure.contextTooLong() || status == 408 || status == 409 || status >= 500;
            default -> false;
        };
    }

    private long delayMs(int attempt, RuntimeException e) {
        if (e instanceof AnthropicServiceException s && !(s instanceof SseException)) {
            Optional<Long> after = retryAfterMs(s.headers());
            if (after.isPresent()) return Math.min(after.get(), Duration.ofMinutes(1).toMillis());
        }
        long base = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(attempt - 1, 20));
        return (long) (base * (1 - 0.25 * ThreadLocalRandom.current().nextDouble()));
    }

    static Optional<Long> retryAfterMs(Headers headers) {
        try {
            for (String v : headers.values("retry-after-ms")) return Optional.of((long) Double.parseDouble(v.strip()));
            for (String v : headers.values("retry-after")) {
                String s = v.strip();
                if (s.matches("\\d+(\\.\\d+)?")) return Optional.of((long) (Double.parseDouble(s) * 1000));
                long ms = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli()
                        - System.currentTimeMillis();
                return Optional.of(Math.max(0, ms));
            }
        } catch (RuntimeException ignored) {
            // an unreadable header falls back to the backoff schedule
        }
        return Optional.empty();
    }

    private static void sleep(long ms, Cancellation cancellation) {
        CountDownLatch latch = new CountDownLatch(1);
        try (var reg = cancellation.onCancel(latch::countDown)) {
            latch.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentboxException(ErrorCategory.CANCELED, "interrupted");
        }
        if (cancellation.isCanceled()) throw canceled(cancellation);
    }

    private String redact(String message) {
        return secret.filter(s -> !s.isEmpty()).map(s -> message.replace(s, "***")).orElse(message);
    }

    private static AgentboxException canceled(Cancellation c) {
        return new AgentboxException(ErrorCategory.CANCELED, c.reason().orElse("canceled"));
    }

    /** The stream ended without {@code message_stop}. */
    private static final class StreamCut extends RuntimeException {
        StreamCut() {
            super("stream cut", null, false, false);
        }
    }

    public static final class Builder {
        private Optional<String> apiKey = Optional.empty();
        private Optional<String> authToken = Optional.empty();
        private Optional<String> baseUrl = Optional.empty();
        private String model = ModelConfig.DEFAULT_MODEL;
        private int maxRetries = 4;
        private Duration initialBackoff = Duration.ofMillis(500);
        private Duration maxBackoff = Duration.ofSeconds(8);
        private Duration timeout = Duration.ofMinutes(10);

        private Builder() {}

        /**
         * Takes {@code ANTHROPIC_API_KEY} (or {@code ANTHROPIC_AUTH_TOKEN}), {@code ANTHROPIC_BASE_URL} and
         * {@code ANTHROPIC_MODEL} from the environment, then from {@code ./.env} for what the environment lacks.
         */
        public Builder fromEnvironment() {
            ModelConfig env = ModelConfig.fromEnvironment();
            apiKey = env.apiKey();
            authToken = env.authToken();
            baseUrl = env.baseUrl();
            model = env.model();
            return this;
        }

        /** The {@code x-api-key} credential. */
        public Builder apiKey(String key) { apiKey = nonBlank(key, "apiKey"); authToken = Optional.empty(); return this; }
        /** A bearer token instead of an API key. */
        public Builder authToken(String token) { authToken = nonBlank(token, "authToken"); apiKey = Optional.empty(); return this; }
        /** Default {@code https://api.anthropic.com}. */
        public Builder baseUrl(String url) { baseUrl = nonBlank(url, "baseUrl"); return this; }
        /** The model used when a request names none (default {@code claude-sonnet-4-5}). */
        public Builder model(String id) { model = nonBlank(id, "model").orElseThrow(); return this; }

        /** Retries after the first attempt (default 4). */
        public Builder maxRetries(int n) { if (n < 0) throw new IllegalArgumentException("maxRetries must be >= 0"); maxRetries = n; return this; }
        /** First backoff delay, doubled per retry up to {@link #maxBackoff} (jitter takes up to a quarter off). */
        public Builder initialBackoff(Duration d) { initialBackoff = d; return this; }
        public Builder maxBackoff(Duration d) { maxBackoff = d; return this; }
        /** Per-request timeout. */
        public Builder timeout(Duration d) { timeout = d; return this; }

        public AnthropicModelClient build() {
            return new AnthropicModelClient(this);
        }

        private static Optional<String> nonBlank(String value, String what) {
            if (value == null || value.isBlank()) throw new IllegalArgumentException(what + " must not be blank");
            return Optional.of(value.strip());
        }
    }
}
