package io.agentbox.server.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.auth.Caller;
import io.agentbox.server.http.Json;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * E2B's control plane over the server's raw sandboxes. E2B template names map to agentbox templates
 * ({@code base} is {@code host}; any other name is an agentbox template of that name); a sandbox lives
 * {@code timeout} seconds (default 300) unless extended.
 */
final class ControlPlane {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);
    static final Duration MAX_TIMEOUT = Duration.ofHours(24);
    /** E2B templates run commands as {@code user} in {@code /home/user}; so do these sandboxes. */
    static final String HOME = "/home/user";
    private static final String CLIENT_ID = "agentbox";

    @FunctionalInterface
    interface Handler {
        void handle(Context ctx, Caller caller) throws Exception;
    }

    private final E2bSandboxes sandboxes;
    private final long maxBodyBytes;

    ControlPlane(E2bSandboxes sandboxes, long maxBodyBytes) {
        this.sandboxes = sandboxes;
        this.maxBodyBytes = maxBodyBytes;
    }

    void register(E2bApi.Routes<Handler> r) {
        for (String prefix : List.of("", "/v2")) {
            r.add(HandlerType.POST, prefix + "/sandboxes", this::create);
            r.add(HandlerType.GET, prefix + "/sandboxes", this::list);
            r.add(HandlerType.POST, prefix + "/sandboxes/{id}/connect", this::connect);
        }
        r.add(HandlerType.GET, "/sandboxes/{id}", (ctx, c) -> E2bApi.json(ctx, 200, detail(sandboxes.get(c, ctx.pathParam("id"), Optional.empty()).info())));
        r.add(HandlerType.DELETE, "/sandboxes/{id}", (ctx, c) -> {
            if (!sandboxes.kill(c, ctx.pathParam("id"))) throw E2bError.notFound("sandbox " + ctx.pathParam("id") + " not found");
            ctx.status(204);
        });
        r.add(HandlerType.POST, "/sandboxes/{id}/timeout", (ctx, c) -> {
            ObjectNode b = E2bApi.body(ctx, maxBodyBytes);
            sandboxes.setTimeout(c, ctx.pathParam("id"), timeout(b).orElseThrow(() -> E2bError.badRequest("field 'timeout' is required")));
            ctx.status(204);
        });
        r.add(HandlerType.POST, "/sandboxes/{id}/refreshes", (ctx, c) -> {
            ObjectNode b = E2bApi.body(ctx, maxBodyBytes);
            Duration d = b.has("duration") ? Duration.ofSeconds(b.path("duration").asLong()) : DEFAULT_TIMEOUT;
            extend(sandboxes.get(c, ctx.pathParam("id"), Optional.of("extend")), d);
            ctx.status(204);
        });
        r.add(HandlerType.GET, "/sandboxes/{id}/metrics", (ctx, c) -> {
            sandboxes.get(c, ctx.pathParam("id"), Optional.empty());
            E2bApi.json(ctx, 200, Json.array());
        });
        r.add(HandlerType.GET, "/sandboxes/{id}/logs", (ctx, c) -> {
            sandboxes.get(c, ctx.pathParam("id"), Optional.empty());
            ObjectNode out = Json.object();
            out.putArray("logs");
            out.putArray("logEntries");
            E2bApi.json(ctx, 200, out);
        });
        for (String path : List.of("/sandboxes/{id}/pause", "/sandboxes/{id}/resume", "/sandboxes/{id}/snapshots", "/sandboxes/{id}/fork")) {
            String what = path.substring(path.lastIndexOf('/') + 1);
            r.add(HandlerType.POST, path, (ctx, c) -> {
                sandboxes.get(c, ctx.pathParam("id"), Optional.of(what));
                throw E2bError.notImplemented(what + " is not supported by agentbox (sandboxes run until their timeout or kill)");
            });
        }
        r.add(HandlerType.GET, "/templates", (ctx, c) -> {
            ArrayNode out = Json.array();
            out.add(Json.object().put("templateID", "base").put("buildID", "host").put("public", true)
                    .put("cpuCount", 1).put("memoryMB", 1024).put("diskSizeMB", 1024).put("envdVersion", E2bApi.ENVD_VERSION)
                    .set("aliases", Json.array().add("base")));
            E2bApi.json(ctx, 200, out);
        });
    }

    /** E2B template names to agentbox templates. */
    static String agentboxTemplate(String e2bTemplate) {
        return switch (e2bTemplate) {
            case "base", "host", "code-interpreter-v1" -> "host";
            default -> e2bTemplate;
        };
    }

    private void create(Context ctx, Caller caller) {
        ObjectNode b = E2bApi.body(ctx, maxBodyBytes);
        String template = text(b, "templateID").orElse("base");
        if (template.isBlank() || template.length() > 100) throw E2bError.badRequest("field 'templateID' must be 1 to 100 characters");
        SandboxSpec.Builder spec = SandboxSpec.builder()
                .template(agentboxTemplate(template))
                .timeout(timeout(b).orElse(DEFAULT_TIMEOUT))
                .workdir(HOME)
                .metadata(E2bSandboxes.META_E2B_TEMPLATE, template);
        Map<String, String> metadata = stringMap(b, "metadata");
        if (metadata.size() > 50) throw E2bError.badRequest("field 'metadata' has more than 50 entries");
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey().startsWith("agentbox.")) throw E2bError.badRequest("metadata keys starting with 'agentbox.' are reserved");
            if (e.getKey().isEmpty() || e.getKey().length() > 200 || e.getValue().length() > 1000) throw E2bError.badRequest("metadata key or value too long");
        }
        spec.metadata(metadata);
        spec.network(network(b));
        SandboxSpec built;
        try {
            spec.env(stringMap(b, "envVars"));
            built = spec.build();
        } catch (IllegalArgumentException e) {
            throw E2bError.badRequest(e.getMessage());
        }
        Sandbox s;
        try {
            s = sandboxes.create(caller, built);
        } catch (SandboxException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("unknown template")) {
                throw E2bError.notFound("template '" + template + "' not found (" + e.getMessage() + ")");
            }
            throw E2bError.badRequest(e.getMessage());
        }
        E2bApi.json(ctx, 201, created(s.id(), template));
    }

    private void connect(Context ctx, Caller caller) {
        ObjectNode b = E2bApi.body(ctx, maxBodyBytes);
        Sandbox s = sandboxes.get(caller, ctx.pathParam("id"), Optional.of("connect to"));
        timeout(b).ifPresent(t -> extend(s, t));
        SandboxInfo info = s.info();
        E2bApi.json(ctx, 200, created(info.id(), e2bTemplate(info)));
    }

    /** E2B's connect only ever moves the end later. */
    private static void extend(Sandbox s, Duration timeout) {
        Instant wanted = Instant.now().plus(timeout);
        if (wanted.isAfter(s.info().expiresAt())) s.setTimeout(timeout);
    }

    private void list(Context ctx, Caller caller) {
        Map<String, String> filter = metadataFilter(ctx.queryParam("metadata"));
        Optional<String> state = Optional.ofNullable(ctx.queryParam("state")).filter(v -> !v.isBlank());
        boolean wantsRunning = state.map(v -> List.of(v.split(",")).contains("running")).orElse(true);
        Optional<String> template = Optional.ofNullable(ctx.queryParam("template")).filter(v -> !v.isBlank());
        int limit = Optional.ofNullable(ctx.queryParam("limit")).filter(v -> !v.isBlank()).map(v -> {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw E2bError.badRequest("query parameter 'limit' must be an integer");
            }
        }).orElse(1000);
        if (limit < 1 || limit > 1000) throw E2bError.badRequest("query parameter 'limit' must be between 1 and 1000");
        Optional<String> after = Optional.ofNullable(ctx.queryParam("nextToken")).filter(v -> !v.isBlank());

        List<SandboxInfo> matching = new ArrayList<>();
        if (wantsRunning) {
            for (SandboxInfo info : sandboxes.list(caller)) {
                Map<String, String> shown = visibleMetadata(info);
                if (!filter.entrySet().stream().allMatch(e -> e.getValue().equals(shown.get(e.getKey())))) continue;
                if (template.isPresent() && !template.get().equals(e2bTemplate(info))) continue;
                matching.add(info);
            }
        }
        int from = 0;
        if (after.isPresent()) {
            from = matching.size();
            for (int i = 0; i < matching.size(); i++) {
                if (matching.get(i).id().equals(after.get())) {
                    from = i + 1;
                    break;
                }
            }
        }
        List<SandboxInfo> page = matching.subList(from, Math.min(matching.size(), from + limit));
        if (from + page.size() < matching.size()) ctx.header("X-Next-Token", page.get(page.size() - 1).id());
        ArrayNode out = Json.array();
        page.forEach(i -> out.add(listed(i)));
        E2bApi.json(ctx, 200, out);
    }

    private static String decodeTwice(String s) {
        return URLDecoder.decode(URLDecoder.decode(s, StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    private ObjectNode created(String id, String template) {
        ObjectNode o = Json.object();
        o.put("sandboxID", id);
        o.put("templateID", template);
        o.put("alias", template);
        o.put("clientID", CLIENT_ID);
        o.put("envdVersion", E2bApi.ENVD_VERSION);
        o.put("envdAccessToken", sandboxes.tokens().issue(id));
        // the code interpreter's SDK sends this one (not the envd token) on its context calls
        o.put("trafficAccessToken", sandboxes.tokens().issue(id));
        o.putNull("domain");
        return o;
    }

    private static ObjectNode listed(SandboxInfo info) {
        ObjectNode o = Json.object();
        String template = e2bTemplate(info);
        o.put("sandboxID", info.id());
        o.put("templateID", template);
        o.put("alias", template);
        o.put("clientID", CLIENT_ID);
        o.put("cpuCount", (int) Math.max(1, Math.ceil(info.resources().cpus())));
        o.put("memoryMB", info.resources().memoryMb());
        o.put("diskSizeMB", info.resources().diskMb());
        o.put("envdVersion", E2bApi.ENVD_VERSION);
        ObjectNode meta = o.putObject("metadata");
        visibleMetadata(info).forEach(meta::put);
        o.put("startedAt", info.createdAt().toString());
        o.put("endAt", info.expiresAt().toString());
        o.put("state", "running");
        return o;
    }

    private ObjectNode detail(SandboxInfo info) {
        ObjectNode o = listed(info);
        o.put("envdAccessToken", sandboxes.tokens().issue(info.id()));
        o.put("trafficAccessToken", sandboxes.tokens().issue(info.id()));
        o.putNull("domain");
        o.put("allowInternetAccess", info.network() instanceof NetworkPolicy.Open);
        o.putObject("lifecycle").put("onTimeout", "kill").put("autoResume", false);
        return o;
    }

    static String e2bTemplate(SandboxInfo info) {
        return info.metadata().getOrDefault(E2bSandboxes.META_E2B_TEMPLATE, info.template().equals("host") ? "base" : info.template());
    }

    /** The metadata the user set: agentbox's own labels are not E2B metadata. */
    static Map<String, String> visibleMetadata(SandboxInfo info) {
        Map<String, String> out = new LinkedHashMap<>();
        info.metadata().forEach((k, v) -> {
            if (!k.startsWith("agentbox.")) out.put(k, v);
        });
        return out;
    }

    /**
     * {@code allow_internet_access: true} opens the network; anything else (and by default) the sandbox has
     * none, which is agentbox's default even though E2B's is open. {@code network.allowOut} becomes a domain
     * allowlist, which a provider that cannot enforce it refuses.
     */
    private static NetworkPolicy network(ObjectNode b) {
        JsonNode allowOut = b.path("network").path("allowOut");
        if (allowOut.isArray() && !allowOut.isEmpty()) {
            List<String> domains = new ArrayList<>();
            allowOut.forEach(d -> domains.add(d.asText()));
            return NetworkPolicy.allow(domains.toArray(String[]::new));
        }
        if (b.path("network").path("denyOut").isArray() && !b.path("network").path("denyOut").isEmpty()) {
            throw E2bError.badRequest("network.denyOut is not supported; use allow_internet_access or network.allowOut");
        }
        JsonNode open = b.has("allow_internet_access") ? b.get("allow_internet_access") : b.path("allowInternetAccess");
        return open.asBoolean(false) ? NetworkPolicy.open() : NetworkPolicy.none();
    }

    private static Optional<Duration> timeout(ObjectNode b) {
        JsonNode t = b.get("timeout");
        if (t == null || t.isNull()) return Optional.empty();
        if (!t.canConvertToLong() || t.asLong() < 1) throw E2bError.badRequest("field 'timeout' must be a positive number of seconds");
        Duration d = Duration.ofSeconds(t.asLong());
        if (d.compareTo(MAX_TIMEOUT) > 0) throw E2bError.badRequest("field 'timeout' must be at most " + MAX_TIMEOUT.toSeconds() + " seconds");
        return Optional.of(d);
    }

    private static Optional<String> text(ObjectNode b, String field) {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) return Optional.empty();
        if (!n.isTextual()) throw E2bError.badRequest("field '" + field + "' must be a string");
        return Optional.of(n.asText());
    }

    private static Map<String, String> stringMap(ObjectNode b, String field) {
        JsonNode n = b.get(field);
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) return out;
        if (!n.isObject()) throw E2bError.badRequest("field '" + field + "' must be an object of strings");
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) throw E2bError.badRequest("field '" + field + "." + e.getKey() + "' must be a string");
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /**
     * The SDK encodes the filter thrice: each key and value, then the pairs as a query string, then the
     * parameter. The parameter arrives decoded once; each pair is decoded as a query string, then again.
     */
    static Map<String, String> metadataFilter(String param) {
        Map<String, String> out = new LinkedHashMap<>();
        if (param == null || param.isBlank()) return out;
        for (String pair : param.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(decodeTwice(k), decodeTwice(v));
        }
        return out;
    }
}
