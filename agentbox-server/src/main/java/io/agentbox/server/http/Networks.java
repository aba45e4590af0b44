package io.agentbox.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.SecretInjection;
import io.agentbox.sandbox.net.NetworkConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code network} and {@code secrets} options of runs and raw sandboxes. A network is a mode
 * string ({@code "none"}, {@code "open"}) or {@code {"mode": "allow", "allow": [...], "deny": [...]}}.
 * Secrets name the server's own environment variables, so only those the operator set aside for it
 * ({@code AGENTBOX_SECRET_*}) may be named: a caller must not be able to send the server's model key
 * (or any other variable) to a host of its choosing.
 */
public final class Networks {
    public static final String SECRET_PREFIX = "AGENTBOX_SECRET_";

    private Networks() {}

    public static Schema schema() {
        return Schema.anyObject().description("\"none\" (default), \"open\", or {mode: none|open|allow, allow: [domain], deny: [domain]}"
                + " (allow implies mode allow; domains are exact or *.example.com, deny is checked first)");
    }

    public static Schema secretsSchema() {
        return Schema.arrayOf(Schema.anyObject()).description("\"HOST:HEADER=ENV\" strings or {host, header, env} objects: requests to HOST get"
                + " HEADER from the server's environment variable ENV (which must start with " + SECRET_PREFIX + "); the sandbox sees a placeholder");
    }

    public static Optional<NetworkPolicy> policy(JsonNode n, String field) {
        if (n == null || n.isNull() || n.isMissingNode()) return Optional.empty();
        try {
            return Optional.of(NetworkConfig.policyFromJson(n));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField(field, e.getMessage());
        }
    }

    /** The normalized form stored with a run: the mode string, or the allow object. */
    public static JsonNode normalized(NetworkPolicy p) {
        return p instanceof NetworkPolicy.Allow ? NetworkConfig.policyJson(p) : Json.MAPPER.getNodeFactory().textNode(p.name());
    }

    public static List<SecretInjection> secrets(JsonNode n, String field) {
        List<SecretInjection> out = new ArrayList<>();
        if (n == null || n.isNull() || n.isMissingNode()) return out;
        if (!n.isArray() || n.size() > 20) throw ApiException.invalidField(field, "must be an array of at most 20 secrets");
        for (JsonNode s : n) {
            SecretInjection si;
            try {
                if (s.isTextual()) si = SecretInjection.parse(s.asText());
                else if (s.isObject()) si = SecretInjection.fromEnv(s.path("host").asText(""), s.path("header").asText(""), s.path("env").asText(""));
                else throw new IllegalArgumentException("each secret is \"HOST:HEADER=ENV\" or {host, header, env}");
            } catch (IllegalArgumentException e) {
                throw ApiException.invalidField(field, e.getMessage());
            }
            if (!si.env().startsWith(SECRET_PREFIX)) {
                throw ApiException.invalidField(field, "the variable of a secret must start with " + SECRET_PREFIX + " (got " + si.env() + ")");
            }
            if (si.resolve().isEmpty()) throw ApiException.invalidField(field, "the server has no variable " + si.env());
            out.add(si);
        }
        return out;
    }
}
