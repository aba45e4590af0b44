package io.agentbox.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.Events;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.Consumer;

/**
 * A client of an agentbox server's HTTP API (what {@code agentbox --server URL --api-key KEY …} uses).
 * Answers are the server's JSON as Jackson trees, so callers can print them as they are or pick fields.
 * Errors throw {@link AgentboxClientException}. Thread-safe.
 *
 * <pre>{@code
 * AgentboxClient client = AgentboxClient.create("http://127.0.0.1:8080", System.getenv("AGENTBOX_API_KEY"));
 * JsonNode run = client.createRun(AgentboxClient.NewRun.of("Write fizzbuzz.py and run it"));
 * client.watch(run.get("id").asText(), 0, event -> {
 *     if (event.data() instanceof EventData.TextDelta t) System.out.print(t.text());
 * });
 * }</pre>
 */
public final class AgentboxClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final String apiKey;
    private final HttpClient http;
    private final Duration timeout;

    private AgentboxClient(String baseUrl, String apiKey, Duration timeout) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    public static AgentboxClient create(String baseUrl, String apiKey) {
        return new AgentboxClient(baseUrl, apiKey, Duration.ofSeconds(60));
    }

    /** {@code AGENTBOX_SERVER} (default {@code http://127.0.0.1:8080}) and {@code AGENTBOX_API_KEY}. */
    public static AgentboxClient fromEnvironment(Map<String, String> env) {
        String key = env.get("AGENTBOX_API_KEY");
        if (key == null || key.isBlank()) throw new AgentboxClientException(0, "config", "AGENTBOX_API_KEY is not set");
        return create(env.getOrDefault("AGENTBOX_SERVER", "http://127.0.0.1:8080"), key);
    }

    public String baseUrl() {
        return baseUrl;
    }

    @Override
    public String toString() {
        return "AgentboxClient[" + baseUrl + "]";
    }

    // ---- runs

    /** A run request; build with {@link #of(String)} and the {@code with…} methods. */
    public record NewRun(String prompt, Optional<String> workspaceId, Optional<String> model, Optional<String> template,
                         Optional<String> sessionId, Map<String, Object> options) {
        public NewRun {
            options = Map.copyOf(options);
        }

        public static NewRun of(String prompt) {
            return new NewRun(prompt, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Map.of());
        }

        public NewRun withWorkspace(String id) { return new NewRun(prompt, Optional.of(id), model, template, sessionId, options); }

        public NewRun withModel(String m) { return new NewRun(prompt, workspaceId, Optional.of(m), template, sessionId, options); }

        public NewRun withTemplate(String t) { return new NewRun(prompt, workspaceId, model, Optional.of(t), sessionId, options); }

        public NewRun withSession(String s) { return new NewRun(prompt, workspaceId, model, template, Optional.of(s), options); }

        /** Options as in the API: maxTurns, maxBudgetUsd, timeout, systemPrompt, allowedTools, permissionMode, network, … */
        public NewRun withOption(String name, Object value) {
            Map<String, Object> o = new LinkedHashMap<>(options);
            o.put(name, value);
            return new NewRun(prompt, workspaceId, model, template, sessionId, o);
        }

        ObjectNode toJson() {
            ObjectNode n = JSON.createObjectNode();
            n.put("prompt", prompt);
            workspaceId.ifPresent(v -> n.put("workspaceId", v));
            model.ifPresent(v -> n.put("model", v));
            template.ifPresent(v -> n.put("template", v));
            sessionId.ifPresent(v -> n.put("sessionId", v));
            if (!options.isEmpty()) n.set("options", JSON.valueToTree(options));
            return n;
        }
    }

    /** Filters of {@link #listRuns}; all optional. */
    public record RunFilter(Optional<String> workspaceId, Optional<String> status, Optional<Instant> since,
                            Optional<String> sessionId, Optional<Integer> limit, Optional<String> cursor) {
        public static final RunFilter ALL = new RunFilter(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty());

        public RunFilter withWorkspace(String v) { return new RunFilter(Optional.of(v), status, since, sessionId, limit, cursor); }

        public RunFilter withStatus(String v) { return new RunFilter(workspaceId, Optional.of(v), since, sessionId, limit, cursor); }

        public RunFilter withSince(Instant v) { return new RunFilter(workspaceId, status, Optional.of(v), sessionId, limit, cursor); }

        public RunFilter withSession(String v) { return new RunFilter(workspaceId, status, since, Optional.of(v), limit, cursor); }

        public RunFilter withLimit(int v) { return new RunFilter(workspaceId, status, since, sessionId, Optional.of(v), cursor); }

        public RunFilter withCursor(String v) { return new RunFilter(workspaceId, status, since, sessionId, limit, Optional.of(v)); }

        String query() {
            StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
            workspaceId.ifPresent(v -> q.add("workspaceId=" + enc(v)));
            status.ifPresent(v -> q.add("status=" + enc(v)));
            since.ifPresent(v -> q.add("since=" + enc(v.toString())));
            sessionId.ifPresent(v -> q.add("sessionId=" + enc(v)));
            limit.ifPresent(v -> q.add("limit=" + v));
            cursor.ifPresent(v -> q.add("cursor=" + enc(v)));
            return q.toString();
        }
    }

    /** Starts a run; the answer is the queued run. */
    public JsonNode createRun(NewRun run) {
        return send("POST", "/v1/runs", run.toJson());
    }

    /** Starts a run from a request body as for {@code POST /v1/runs}. */
    public JsonNode createRun(JsonNode body) {
        return send("POST", "/v1/runs", body);
    }

    /** One page: {@code {"data": [runs], "nextCursor": …}}. */
    public JsonNode listRuns(RunFilter filter) {
        return send("GET", "/v1/runs" + filter.query(), null);
    }

    public JsonNode getRun(String id) {
        return send("GET", "/v1/runs/" + enc(id), null);
    }

    /** Cancels; the answer is the run, {@code canceled} with its sandbox gone. */
    public JsonNode cancelRun(String id, Optional<String> reason) {
        ObjectNode body = JSON.createObjectNode();
        reason.ifPresent(r -> body.put("reason", r));
        return send("POST", "/v1/runs/" + enc(id) + "/cancel", body);
    }

    /**
     * Streams the run's events after {@code afterSeq} to {@code onEvent}, typed (switch on the sealed
     * {@link io.agentbox.agent.event.EventData}), until its terminal event; returns the last seq received,
     * from which a caller resumes after a dropped connection. An event of a type this client does not know
     * (a newer server) is passed over; its seq still counts.
     */
    public long watch(String runId, long afterSeq, Consumer<Event> onEvent) {
        HttpRequest req = request("/v1/runs/" + enc(runId) + "/events?after=" + afterSeq)
                .header("Accept", "text/event-stream").timeout(Duration.ofDays(1)).GET().build();
        HttpResponse<InputStream> res;
        try {
            res = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentboxClientException(0, "interrupted", "interrupted");
        }
        if (res.statusCode() != 200) {
            try (InputStream in = res.body()) {
                throw error(res.statusCode(), in.readAllBytes());
            } catch (IOException e) {
                throw unreachable(e);
            }
        }
        long last = afterSeq;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.startsWith("data: ")) continue;
                JsonNode tree = JSON.readTree(line.substring(6));
                last = tree.path("seq").asLong(last);
                Event event;
                try {
                    event = Events.fromTree(tree);
                } catch (IllegalArgumentException newerThanThisClient) {
                    continue;
                }
                onEvent.accept(event);
            }
        } catch (IOException e) {
            throw unreachable(e);
        }
        return last;
    }

    public JsonNode listArtifacts(String runId) {
        return send("GET", "/v1/runs/" + enc(runId) + "/artifacts", null);
    }

    /** The artifact's bytes. */
    public byte[] downloadArtifact(String runId, String artifactId) {
        return sendBytes("/v1/runs/" + enc(runId) + "/artifacts/" + enc(artifactId));
    }

    public JsonNode reviewArtifact(String runId, String artifactId, String state) {
        return send("POST", "/v1/runs/" + enc(runId) + "/artifacts/" + enc(artifactId) + "/review",
                JSON.createObjectNode().put("state", state));
    }

    // ---- sessions

    /** Opens a session: {@code options} as for runs; {@code workspaceId}, {@code model}, {@code template} optional. */
    public JsonNode createSession(Optional<String> workspaceId, Optional<String> model, Optional<String> template, Map<String, Object> options) {
        ObjectNode n = JSON.createObjectNode();
        workspaceId.ifPresent(v -> n.put("workspaceId", v));
        model.ifPresent(v -> n.put("model", v));
        template.ifPresent(v -> n.put("template", v));
        if (!options.isEmpty()) n.set("options", JSON.valueToTree(options));
        return send("POST", "/v1/sessions", n);
    }

    /** Sends the next message; the answer is the run of this turn (watch it for the reply). */
    public JsonNode sendMessage(String sessionId, String prompt) {
        return send("POST", "/v1/sessions/" + enc(sessionId) + "/messages", JSON.createObjectNode().put("prompt", prompt));
    }

    public JsonNode getSession(String sessionId) {
        return send("GET", "/v1/sessions/" + enc(sessionId), null);
    }

    public JsonNode listSessions(Optional<String> workspaceId) {
        return send("GET", "/v1/sessions" + workspaceId.map(w -> "?workspaceId=" + enc(w)).orElse(""), null);
    }

    /** Ends the session and kills its sandbox. */
    public void endSession(String sessionId) {
        send("DELETE", "/v1/sessions/" + enc(sessionId), null);
    }

    // ---- tenancy

    public JsonNode me() {
        return send("GET", "/v1/me", null);
    }

    public JsonNode listWorkspaces() {
        return send("GET", "/v1/workspaces", null);
    }

    public JsonNode createWorkspace(String name) {
        return send("POST", "/v1/workspaces", JSON.createObjectNode().put("name", name));
    }

    public JsonNode getWorkspace(String id) {
        return send("GET", "/v1/workspaces/" + enc(id), null);
    }

    /** Changes settings; {@code null} map values reset to the server default. */
    public JsonNode updateWorkspace(String id, Map<String, Object> changes) {
        return send("PATCH", "/v1/workspaces/" + enc(id), JSON.valueToTree(changes));
    }

    public JsonNode listMembers(String workspaceId) {
        return send("GET", "/v1/workspaces/" + enc(workspaceId) + "/members", null);
    }

    public JsonNode addMember(String workspaceId, String principalId, String role) {
        return send("POST", "/v1/workspaces/" + enc(workspaceId) + "/members",
                JSON.createObjectNode().put("principalId", principalId).put("role", role));
    }

    public JsonNode setMemberRole(String workspaceId, String principalId, String role) {
        return send("PATCH", "/v1/workspaces/" + enc(workspaceId) + "/members/" + enc(principalId),
                JSON.createObjectNode().put("role", role));
    }

    public void removeMember(String workspaceId, String principalId) {
        send("DELETE", "/v1/workspaces/" + enc(workspaceId) + "/members/" + enc(principalId), null);
    }

    public JsonNode listKeys(String workspaceId) {
        return send("GET", "/v1/workspaces/" + enc(workspaceId) + "/keys", null);
    }

    /** A new service account with {@code role} and its key: {@code {id, key, role, …}}; {@code key} is shown only here. */
    public JsonNode createKey(String workspaceId, String name, String role) {
        return send("POST", "/v1/workspaces/" + enc(workspaceId) + "/keys", JSON.createObjectNode().put("name", name).put("role", role));
    }

    public JsonNode revokeKey(String workspaceId, String keyId) {
        return send("DELETE", "/v1/workspaces/" + enc(workspaceId) + "/keys/" + enc(keyId), null);
    }

    // ---- sandboxes

    /** Creates a sandbox; {@code body} as for {@code POST /v1/sandboxes} (template, timeout, network, metadata, …). */
    public JsonNode createSandbox(JsonNode body) {
        return send("POST", "/v1/sandboxes", body);
    }

    public JsonNode listSandboxes(Optional<String> workspaceId) {
        return send("GET", "/v1/sandboxes" + workspaceId.map(w -> "?workspaceId=" + enc(w)).orElse(""), null);
    }

    public JsonNode getSandbox(String id) {
        return send("GET", "/v1/sandboxes/" + enc(id), null);
    }

    /** Runs a command to its end ({@code body} as for {@code POST …/exec}; answered as one result). */
    public JsonNode exec(String sandboxId, JsonNode body) {
        ObjectNode b = body.deepCopy();
        b.put("stream", false);
        return send("POST", "/v1/sandboxes/" + enc(sandboxId) + "/exec", b);
    }

    public byte[] readFile(String sandboxId, String path) {
        return sendBytes("/v1/sandboxes/" + enc(sandboxId) + "/files?path=" + enc(path));
    }

    public JsonNode writeFile(String sandboxId, String path, byte[] content) {
        HttpRequest req = request("/v1/sandboxes/" + enc(sandboxId) + "/files?path=" + enc(path))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(content)).build();
        HttpResponse<byte[]> res = exchange(req);
        if (res.statusCode() >= 400) throw error(res.statusCode(), res.body());
        try {
            return JSON.readTree(res.body());
        } catch (IOException e) {
            throw new AgentboxClientException(res.statusCode(), "invalid_response", "the server did not answer JSON");
        }
    }

    public void killSandbox(String id) {
        send("DELETE", "/v1/sandboxes/" + enc(id), null);
    }

    /** The run's events after {@code afterSeq} recorded so far (replayed, not followed). */
    public List<JsonNode> events(String runId, long afterSeq) {
        byte[] body = sendBytes("/v1/runs/" + enc(runId) + "/events?follow=false&after=" + afterSeq);
        List<JsonNode> out = new java.util.ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new java.io.ByteArrayInputStream(body), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("data: ")) out.add(JSON.readTree(line.substring(6)));
            }
        } catch (IOException e) {
            throw new AgentboxClientException(200, "invalid_response", "the server did not answer server-sent events");
        }
        return out;
    }

    // ---- analytics

    /**
     * {@code GET /v1/analytics/usage}: runs, errors, tokens, cost and durations per {@code groupBy} group
     * (day, model, principal, template); {@code from}/{@code to} are instants or UTC dates.
     */
    public JsonNode usage(Optional<String> workspaceId, Optional<String> from, Optional<String> to, Optional<String> groupBy) {
        List<String> q = new ArrayList<>();
        workspaceId.ifPresent(v -> q.add("workspaceId=" + enc(v)));
        from.ifPresent(v -> q.add("from=" + enc(v)));
        to.ifPresent(v -> q.add("to=" + enc(v)));
        groupBy.ifPresent(v -> q.add("groupBy=" + enc(v)));
        return send("GET", "/v1/analytics/usage" + (q.isEmpty() ? "" : "?" + String.join("&", q)), null);
    }

    // ---- plumbing

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout)
                .header("Authorization", "Bearer " + apiKey)
                .header("Accept", "application/json");
    }

    private JsonNode send(String method, String path, JsonNode body) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.toString());
        HttpRequest.Builder b = request(path).method(method, publisher);
        if (body != null) b.header("Content-Type", "application/json");
        HttpResponse<byte[]> res = exchange(b.build());
        if (res.statusCode() >= 400) throw error(res.statusCode(), res.body());
        if (res.statusCode() == 204 || res.body().length == 0) return JSON.createObjectNode();
        try {
            return JSON.readTree(res.body());
        } catch (IOException e) {
            throw new AgentboxClientException(res.statusCode(), "invalid_response", "the server did not answer JSON");
        }
    }

    private byte[] sendBytes(String path) {
        HttpResponse<byte[]> res = exchange(request(path).header("Accept", "*/*").GET().build());
        if (res.statusCode() >= 400) throw error(res.statusCode(), res.body());
        return res.body();
    }

    private HttpResponse<byte[]> exchange(HttpRequest req) {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentboxClientException(0, "interrupted", "interrupted");
        }
    }

    private AgentboxClientException unreachable(IOException e) {
        return new AgentboxClientException(0, "unreachable", "cannot reach the agentbox server at " + baseUrl + ": " + e.getMessage());
    }

    private static AgentboxClientException error(int status, byte[] body) {
        try {
            JsonNode e = JSON.readTree(body).path("error");
            return new AgentboxClientException(status, e.path("code").asText("http_" + status),
                    e.path("message").asText("HTTP " + status));
        } catch (IOException | RuntimeException ex) {
            return new AgentboxClientException(status, "http_" + status, "HTTP " + status);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
