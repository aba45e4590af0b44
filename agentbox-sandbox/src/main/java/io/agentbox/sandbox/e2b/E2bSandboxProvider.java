package io.agentbox.sandbox.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.Resources;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxFileException;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxNotFoundException;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;

import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Sandboxes of E2B (the cloud, or any server that speaks its protocol, {@code agentbox serve} included)
 * behind agentbox's {@link SandboxProvider}: E2B's REST control plane, and envd's Connect-JSON and
 * {@code /files} for commands and files. Configure from the environment as E2B's SDKs do
 * ({@link #fromEnvironment}: {@code E2B_API_KEY}, {@code E2B_DOMAIN}, {@code E2B_API_URL},
 * {@code E2B_SANDBOX_URL}) or with {@link #builder()}.
 *
 * <p>Differences from local sandboxes: the template {@code host} is E2B's {@code base}; resources are the
 * template's; a handle from {@link #connect} knows no workdir, so its commands run in E2B's user home
 * ({@code /home/user}) and its relative paths resolve there.
 */
public final class E2bSandboxProvider implements SandboxProvider {
    public static final String DEFAULT_DOMAIN = "e2b.app";

    private final E2bClient client;

    private E2bSandboxProvider(E2bClient client) {
        this.client = client;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configured like E2B's SDKs: {@code E2B_API_KEY} (required), {@code E2B_DOMAIN}, {@code E2B_API_URL}, {@code E2B_SANDBOX_URL}. */
    public static E2bSandboxProvider fromEnvironment(Map<String, String> env) {
        Builder b = builder();
        Optional.ofNullable(env.get("E2B_API_KEY")).filter(s -> !s.isBlank()).ifPresent(b::apiKey);
        Optional.ofNullable(env.get("E2B_DOMAIN")).filter(s -> !s.isBlank()).ifPresent(b::domain);
        Optional.ofNullable(env.get("E2B_API_URL")).filter(s -> !s.isBlank()).ifPresent(b::apiUrl);
        Optional.ofNullable(env.get("E2B_SANDBOX_URL")).filter(s -> !s.isBlank()).ifPresent(b::sandboxUrl);
        return b.build();
    }

    /** agentbox template names to E2B's: {@code host} is {@code base}. */
    static String e2bTemplate(String template) {
        return template.equals("host") ? "base" : template;
    }

    static String agentboxTemplate(String template) {
        return template.equals("base") ? "host" : template;
    }

    @Override
    public Sandbox create(SandboxSpec spec) {
        if (!spec.mounts().isEmpty()) throw new SandboxException("read-only host mounts need local sandboxes; E2B sandboxes cannot see this machine's files");
        ObjectNode body = E2bClient.object();
        if (!spec.secrets().isEmpty() || !spec.routes().isEmpty()) {
            // both live in agentbox's own egress, which an E2B sandbox's traffic never passes
            throw new SandboxException("the E2B provider supports neither secrets nor routes (they need agentbox's local egress)");
        }
        body.put("templateID", e2bTemplate(spec.template()));
        body.put("timeout", Math.max(1, (spec.timeout().toMillis() + 999) / 1000));
        ObjectNode meta = body.putObject("metadata");
        spec.metadata().forEach(meta::put);
        ObjectNode envs = body.putObject("envVars");
        spec.env().forEach(envs::put);
        switch (spec.network()) {
            case NetworkPolicy.Open o -> body.put("allow_internet_access", true);
            case NetworkPolicy.None n -> body.put("allow_internet_access", false);
            case NetworkPolicy.Allow a -> {
                body.put("allow_internet_access", false);
                ArrayNode allow = body.putObject("network").putArray("allowOut");
                a.domains().forEach(allow::add);
            }
        }
        E2bClient.Response r = client.api("POST", "/v2/sandboxes", Optional.of(body));
        if (r.status() != 201 && r.status() != 200) {
            throw new SandboxException("E2B could not create the sandbox (" + r.status() + "): " + E2bClient.message(r.body(), r.status()));
        }
        E2bSandbox s = sandbox(r.body(), spec.workdir());
        try {
            makeWorkdir(s, spec.workdir());
        } catch (RuntimeException e) {
            s.kill();
            throw e;
        }
        return s;
    }

    /** E2B templates have no {@code /workspace}: the workdir is made, as root where the user may not, and given to the user. */
    private static void makeWorkdir(E2bSandbox s, String workdir) {
        if (s.files().exists(workdir)) return;
        try {
            s.files().mkdir(workdir);
        } catch (SandboxFileException e) {
            if (e.reason() != SandboxFileException.Reason.PERMISSION_DENIED && e.reason() != SandboxFileException.Reason.OTHER) throw e;
            CommandResult r = s.commands().run(Command.builder("mkdir", "-p", "--", workdir).cwd("/").asRoot().build());
            if (r.isSuccess()) r = s.commands().run(Command.builder("chown", "user:user", "--", workdir).cwd("/").asRoot().build());
            if (!r.isSuccess()) throw new SandboxException("could not create the workdir " + workdir + ": " + r.stderr().trim());
        }
    }

    @Override
    public Sandbox connect(String id) {
        E2bClient.Response r = client.api("POST", "/v2/sandboxes/" + E2bClient.enc(id) + "/connect", Optional.of(E2bClient.object()));
        if (r.status() == 404) throw new SandboxNotFoundException(id);
        if (r.status() / 100 != 2) {
            throw new SandboxException("E2B could not connect to sandbox " + id + " (" + r.status() + "): " + E2bClient.message(r.body(), r.status()));
        }
        return sandbox(r.body(), E2bSandbox.HOME);
    }

    private E2bSandbox sandbox(JsonNode created, String workdir) {
        String id = created.path("sandboxID").asText();
        if (id.isEmpty()) throw new SandboxException("E2B answered without a sandbox id");
        Optional<String> token = Optional.ofNullable(created.get("envdAccessToken")).filter(JsonNode::isTextual).map(JsonNode::asText);
        Optional<String> domain = Optional.ofNullable(created.get("domain")).filter(JsonNode::isTextual).map(JsonNode::asText);
        return new E2bSandbox(this, client, client.envd(id, token, domain), workdir);
    }

    SandboxInfo info(String id) {
        E2bClient.Response r = client.api("GET", "/sandboxes/" + E2bClient.enc(id), Optional.empty());
        if (r.status() == 404) throw new SandboxNotFoundException(id);
        if (r.status() != 200) throw new SandboxException("E2B could not describe sandbox " + id + ": " + E2bClient.message(r.body(), r.status()));
        return toInfo(r.body());
    }

    void setTimeout(String id, Duration timeout) {
        ObjectNode body = E2bClient.object().put("timeout", Math.max(1, (timeout.toMillis() + 999) / 1000));
        E2bClient.Response r = client.api("POST", "/sandboxes/" + E2bClient.enc(id) + "/timeout", Optional.of(body));
        if (r.status() == 404) throw new SandboxNotFoundException(id);
        if (r.status() / 100 != 2) throw new SandboxException("E2B could not set the timeout of " + id + ": " + E2bClient.message(r.body(), r.status()));
    }

    @Override
    public List<SandboxInfo> list(SandboxQuery query) {
        List<SandboxInfo> out = new ArrayList<>();
        Optional<String> next = Optional.empty();
        StringBuilder filter = new StringBuilder();
        for (Map.Entry<String, String> e : query.metadata().entrySet()) {
            if (!filter.isEmpty()) filter.append('&');
            filter.append(E2bClient.enc(e.getKey())).append('=').append(E2bClient.enc(e.getValue()));
        }
        do {
            StringBuilder path = new StringBuilder("/v2/sandboxes?state=running&limit=100");
            if (!filter.isEmpty()) path.append("&metadata=").append(E2bClient.enc(filter.toString()));
            next.ifPresent(t -> path.append("&nextToken=").append(E2bClient.enc(t)));
            E2bClient.Response r = client.api("GET", path.toString(), Optional.empty());
            if (r.status() != 200) throw new SandboxException("E2B could not list sandboxes: " + E2bClient.message(r.body(), r.status()));
            r.body().forEach(n -> out.add(toInfo(n)));
            next = r.raw().headers().firstValue("X-Next-Token").filter(s -> !s.isBlank());
        } while (next.isPresent());
        // servers that ignore the filter still get it applied
        out.removeIf(i -> !query.matches(i));
        return out;
    }

    @Override
    public boolean kill(String id) {
        E2bClient.Response r = client.api("DELETE", "/sandboxes/" + E2bClient.enc(id), Optional.empty());
        if (r.status() == 404) return false;
        if (r.status() / 100 != 2) throw new SandboxException("E2B could not kill sandbox " + id + ": " + E2bClient.message(r.body(), r.status()));
        return true;
    }

    static SandboxInfo toInfo(JsonNode n) {
        Map<String, String> metadata = new LinkedHashMap<>();
        n.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
        Resources res = Resources.DEFAULT;
        try {
            res = new Resources(Math.max(1, n.path("cpuCount").asInt(1)), Math.max(16, n.path("memoryMB").asLong(Resources.DEFAULT.memoryMb())),
                    Resources.DEFAULT.pids(), Math.max(1, n.path("diskSizeMB").asLong(Resources.DEFAULT.diskMb())));
        } catch (IllegalArgumentException ignored) {
            // a server reporting odd sizes keeps the defaults
        }
        boolean open = n.path("allowInternetAccess").asBoolean(false);
        Instant started = instant(n.path("startedAt").asText(""));
        return new SandboxInfo(n.path("sandboxID").asText(), agentboxTemplate(n.path("templateID").asText("base")), started,
                instant(n.path("endAt").asText("")), metadata, res, open ? NetworkPolicy.open() : NetworkPolicy.none(), E2bSandbox.HOME);
    }

    private static Instant instant(String s) {
        try {
            return Instant.parse(s);
        } catch (RuntimeException e) {
            return Instant.EPOCH;
        }
    }

    public static final class Builder {
        private String apiKey;
        private String domain = DEFAULT_DOMAIN;
        private String apiUrl;
        private String sandboxUrl;
        private Duration requestTimeout = Duration.ofSeconds(60);
        private HttpClient http;

        private Builder() {}

        /** An E2B API key, or for {@code agentbox serve} an agentbox API key. */
        public Builder apiKey(String v) { apiKey = v; return this; }
        /** E2B's domain (default {@code e2b.app}); the control plane is {@code https://api.<domain>}. */
        public Builder domain(String v) { domain = v; return this; }
        /** The control plane's base URL (overrides the domain's), e.g. {@code http://127.0.0.1:3000}. */
        public Builder apiUrl(String v) { apiUrl = v; return this; }
        /** envd's base URL for every sandbox (requests are routed by header), e.g. {@code http://127.0.0.1:3000}. */
        public Builder sandboxUrl(String v) { sandboxUrl = v; return this; }
        public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
        public Builder httpClient(HttpClient v) { http = v; return this; }

        public E2bSandboxProvider build() {
            if (apiKey == null || apiKey.isBlank()) {
                throw new SandboxException("the E2B provider needs an API key: set E2B_API_KEY (for 'agentbox serve', an agentbox API key)");
            }
            Objects.requireNonNull(domain, "domain");
            HttpClient c = http != null ? http : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            return new E2bSandboxProvider(new E2bClient(c, apiKey, apiUrl != null ? apiUrl : "https://api." + domain,
                    Optional.ofNullable(sandboxUrl), domain, requestTimeout));
        }
    }
}
