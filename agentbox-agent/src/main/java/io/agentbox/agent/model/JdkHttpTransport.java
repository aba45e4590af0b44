package io.agentbox.agent.model;

import com.anthropic.core.RequestOptions;
import com.anthropic.core.Timeout;
import com.anthropic.core.http.HttpClient;
import com.anthropic.core.http.HttpRequest;
import com.anthropic.core.http.HttpRequestBody;
import com.anthropic.core.http.HttpResponse;
import com.anthropic.core.http.Headers;
import com.anthropic.errors.AnthropicIoException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient.Version;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The SDK's transport on the JDK's own HTTP client instead of OkHttp. Why: OkHttp's plain sockets
 * keep Nagle's algorithm on, and a request body over 8 KiB (every agent turn, with its tool schemas)
 * then waits ~40 ms for the server's delayed ACK on every model call; the JDK client disables Nagle.
 * Installed through the SDK's interceptor hook, so credentials, headers, retries and parsing stay the SDK's.
 */
final class JdkHttpTransport implements HttpClient {
    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    private final java.net.http.HttpClient client;
    private final Duration defaultTimeout;
    private final HttpClient replaced;

    /** @param replaced the SDK's own transport, unused but closed with this one */
    JdkHttpTransport(Duration defaultTimeout, HttpClient replaced) {
        this.defaultTimeout = defaultTimeout;
        this.replaced = replaced;
        this.client = java.net.http.HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(30))
                .followRedirects(java.net.http.HttpClient.Redirect.NORMAL)
                .build();
    }

    @Override
    public HttpResponse execute(HttpRequest request, RequestOptions options) {
        try {
            return adapt(client.send(toJdk(request, options), BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new AnthropicIoException("request to " + request.baseUrl() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AnthropicIoException("interrupted", e);
        }
    }

    @Override
    public CompletableFuture<HttpResponse> executeAsync(HttpRequest request, RequestOptions options) {
        return client.sendAsync(toJdk(request, options), BodyHandlers.ofInputStream())
                .handle((r, e) -> {
                    if (e == null) return adapt(r);
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    throw new AnthropicIoException("request to " + request.baseUrl() + " failed: " + cause.getMessage(), cause);
                });
    }

    private java.net.http.HttpRequest toJdk(HttpRequest request, RequestOptions options) {
        URI uri = URI.create(request.url());
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(uri)
                // h2 where TLS can negotiate it; plain HTTP stays 1.1 (no h2c upgrade dance with local proxies)
                .version("https".equalsIgnoreCase(uri.getScheme()) ? Version.HTTP_2 : Version.HTTP_1_1)
                .timeout(options.timeout().map(Timeout::request).orElse(defaultTimeout));
        Headers headers = request.headers();
        for (String name : headers.names()) {
            if (RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) continue;
            for (String value : headers.values(name)) b.header(name, value);
        }
        java.net.http.HttpRequest.BodyPublisher body = BodyPublishers.noBody();
        if (request.body().isPresent()) {
            HttpRequestBody rb = request.body().get();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
            rb.writeTo(bytes);
            body = BodyPublishers.ofByteArray(bytes.toByteArray());
            if (rb.contentType() != null && headers.values("content-type").isEmpty()) b.header("content-type", rb.contentType());
        }
        return b.method(request.method().name(), body).build();
    }

    private static HttpResponse adapt(java.net.http.HttpResponse<InputStream> r) {
        Headers.Builder h = Headers.builder();
        r.headers().map().forEach((name, values) -> h.put(name, (Iterable<String>) List.copyOf(values)));
        Headers headers = h.build();
        return new HttpResponse() {
            @Override public int statusCode() { return r.statusCode(); }
            @Override public Headers headers() { return headers; }
            @Override public InputStream body() { return r.body(); }

            @Override
            public void close() {
                try {
                    r.body().close(); // for a stream still open this also cancels the exchange
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    @Override
    public void close() {
        client.close();
        replaced.close();
    }
}
