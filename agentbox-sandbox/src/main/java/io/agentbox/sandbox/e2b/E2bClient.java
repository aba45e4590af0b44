package io.agentbox.sandbox.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxFileException;
import io.agentbox.sandbox.SandboxNotFoundException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * The two planes of E2B over the JDK HTTP client: the control plane (REST, {@code X-API-KEY}) and a
 * sandbox's envd (Connect with JSON, and {@code /files}), addressed by {@code E2b-Sandbox-Id} and
 * authorized by the sandbox's access token. Errors become the sandbox module's typed exceptions.
 */
final class E2bClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SHARED_ENVD_DOMAINS = Set.of("e2b.app", "e2b.dev", "e2b.pro", "e2b-staging.dev");

    private final HttpClient http;
    private final String apiKey;
    private final String apiUrl;
    private final Optional<String> sandboxUrl;
    private final String domain;
    private final Duration requestTimeout;

    E2bClient(HttpClient http, String apiKey, String apiUrl, Optional<String> sandboxUrl, String domain, Duration requestTimeout) {
        this.http = http;
        this.apiKey = apiKey;
        this.apiUrl = trim(apiUrl);
        this.sandboxUrl = sandboxUrl.map(E2bClient::trim);
        this.domain = domain;
        this.requestTimeout = requestTimeout;
    }

    private static String trim(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** A sandbox's envd address and credentials, as create and connect return them. */
    record Envd(String sandboxId, String baseUrl, Optional<String> accessToken) {}

    Envd envd(String sandboxId, Optional<String> token, Optional<String> sandboxDomain) {
        String base = sandboxUrl.orElseGet(() -> {
            String d = sandboxDomain.filter(s -> !s.isBlank()).orElse(domain);
            return SHARED_ENVD_DOMAINS.contains(d) ? "https://sandbox." + d : "https://49983-" + sandboxId + "." + d;
        });
        return new Envd(sandboxId, base, token);
    }

    // ---- control plane ----

    record Response(int status, JsonNode body, HttpResponse<byte[]> raw) {}

    Response api(String method, String path, Optional<JsonNode> body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(apiUrl + path)).timeout(requestTimeout)
                .header("X-API-KEY", apiKey).header("User-Agent", "agentbox-e2b-provider")
                .method(method, body.map(n -> HttpRequest.BodyPublishers.ofByteArray(write(n))).orElse(HttpRequest.BodyPublishers.noBody()));
        body.ifPresent(n -> b.header("Content-Type", "application/json"));
        HttpResponse<byte[]> r = send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode parsed = parse(r.body());
        if (r.statusCode() == 401) throw new SandboxException("E2B refused the API key: " + message(parsed, r.statusCode()));
        if (r.statusCode() == 429) throw new SandboxException("E2B rate limit exceeded: " + message(parsed, r.statusCode()));
        return new Response(r.statusCode(), parsed, r);
    }

    static String message(JsonNode body, int status) {
        String m = body.path("message").asText("");
        return m.isEmpty() ? "HTTP " + status : m;
    }

    // ---- envd ----

    private HttpRequest.Builder envdRequest(Envd e, String path, Optional<String> user) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(e.baseUrl() + path))
                .header("E2b-Sandbox-Id", e.sandboxId()).header("E2b-Sandbox-Port", "49983")
                .header("User-Agent", "agentbox-e2b-provider");
        e.accessToken().ifPresent(t -> b.header("X-Access-Token", t));
        user.ifPresent(u -> b.header("Authorization", "Basic "
                + Base64.getEncoder().encodeToString((u + ":").getBytes(StandardCharsets.UTF_8))));
        return b;
    }

    /** A unary Connect call; Connect errors become typed exceptions ({@code path} names the file, for file calls). */
    JsonNode unary(Envd e, String method, JsonNode request, Optional<String> user, Optional<String> path) {
        HttpRequest r = envdRequest(e, "/" + method, user).timeout(requestTimeout)
                .header("Content-Type", "application/json").header("Connect-Protocol-Version", "1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(write(request))).build();
        HttpResponse<byte[]> res = send(r, HttpResponse.BodyHandlers.ofByteArray());
        JsonNode body = parse(res.body());
        if (res.statusCode() == 200) return body;
        throw connectError(e, res.statusCode(), body.path("code").asText(""), message(body, res.statusCode()), path);
    }

    /** A server-streaming Connect call: the response body is a stream of envelopes. */
    InputStream stream(Envd e, String method, JsonNode request, Optional<String> user, Optional<Duration> timeout) {
        HttpRequest.Builder b = envdRequest(e, "/" + method, user)
                .header("Content-Type", "application/connect+json").header("Connect-Protocol-Version", "1")
                .header("Keepalive-Ping-Interval", "50")
                .POST(HttpRequest.BodyPublishers.ofByteArray(ConnectFrames.encode(ConnectFrames.MESSAGE, write(request))));
        timeout.ifPresent(t -> b.header("Connect-Timeout-Ms", Long.toString(Math.max(1, t.toMillis()))));
        HttpResponse<InputStream> res = send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (res.statusCode() != 200) {
            byte[] bytes = readQuietly(res.body());
            JsonNode body = parse(bytes);
            throw connectError(e, res.statusCode(), body.path("code").asText(""), message(body, res.statusCode()), Optional.empty());
        }
        return res.body();
    }

    /** {@code GET /files}: the file's bytes as a stream. */
    InputStream download(Envd e, String path, Optional<String> user) {
        String q = "/files?path=" + enc(path) + user.map(u -> "&username=" + enc(u)).orElse("");
        HttpResponse<InputStream> res = send(envdRequest(e, q, Optional.empty()).timeout(requestTimeout.multipliedBy(10)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (res.statusCode() == 200) return res.body();
        JsonNode body = parse(readQuietly(res.body()));
        throw fileHttpError(e, res.statusCode(), message(body, res.statusCode()), path);
    }

    /** {@code POST /files} with a raw body (envd 0.5.7 and later). */
    void upload(Envd e, String path, Optional<String> user, HttpRequest.BodyPublisher body) {
        String q = "/files?path=" + enc(path) + user.map(u -> "&username=" + enc(u)).orElse("");
        HttpResponse<byte[]> res = send(envdRequest(e, q, Optional.empty()).header("Content-Type", "application/octet-stream")
                .POST(body).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (res.statusCode() == 200) return;
        throw fileHttpError(e, res.statusCode(), message(parse(res.body()), res.statusCode()), path);
    }

    private SandboxException connectError(Envd e, int status, String code, String message, Optional<String> path) {
        if (status == 502 || code.equals("unavailable")) return new SandboxNotFoundException(e.sandboxId());
        if (status == 401 || code.equals("unauthenticated")) {
            return new SandboxException("envd of sandbox " + e.sandboxId() + " refused the access token: " + message);
        }
        if (path.isPresent()) {
            SandboxFileException.Reason reason = switch (code) {
                case "not_found" -> SandboxFileException.Reason.NOT_FOUND;
                case "already_exists" -> SandboxFileException.Reason.ALREADY_EXISTS;
                case "permission_denied" -> SandboxFileException.Reason.PERMISSION_DENIED;
                case "resource_exhausted" -> SandboxFileException.Reason.NO_SPACE;
                default -> SandboxFileException.Reason.OTHER;
            };
            return new SandboxFileException(reason, path.get(), message);
        }
        return new E2bRpcException(code.isEmpty() ? "unknown" : code, message);
    }

    private SandboxException fileHttpError(Envd e, int status, String message, String path) {
        return switch (status) {
            case 502 -> new SandboxNotFoundException(e.sandboxId());
            case 401 -> new SandboxException("envd of sandbox " + e.sandboxId() + " refused the access token: " + message);
            case 404 -> new SandboxFileException(SandboxFileException.Reason.NOT_FOUND, path, message);
            case 403 -> new SandboxFileException(SandboxFileException.Reason.PERMISSION_DENIED, path, message);
            case 413 -> new SandboxFileException(SandboxFileException.Reason.TOO_LARGE, path, message);
            case 507 -> new SandboxFileException(SandboxFileException.Reason.NO_SPACE, path, message);
            default -> new SandboxFileException(SandboxFileException.Reason.OTHER, path, message);
        };
    }

    private <T> HttpResponse<T> send(HttpRequest r, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(r, handler);
        } catch (IOException ex) {
            throw new SandboxException("E2B request " + r.method() + " " + r.uri().getPath() + " failed: " + ex.getMessage(), ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted during E2B request " + r.uri().getPath(), ex);
        }
    }

    static byte[] readQuietly(InputStream in) {
        try (in) {
            return in.readNBytes(1 << 20);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    static JsonNode parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0) return JSON.createObjectNode();
        try {
            JsonNode n = JSON.readTree(bytes);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    static byte[] write(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
