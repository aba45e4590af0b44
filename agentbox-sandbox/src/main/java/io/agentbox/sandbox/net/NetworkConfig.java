package io.agentbox.sandbox.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.NetworkPolicy;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A networked sandbox's egress configuration, {@code <sandbox dir>/network.json}: written by whoever
 * creates or updates the sandbox, read by the egress service on every new connection (so an update
 * takes effect at the next connection).
 */
public record NetworkConfig(NetworkPolicy policy, boolean auditAll, EgressSettings settings) {
    static final String FILE = "network.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Path file(Path sandboxDir) {
        return sandboxDir.resolve(FILE);
    }

    public NetworkConfig withPolicy(NetworkPolicy p) {
        return new NetworkConfig(p, auditAll, settings);
    }

    public NetworkConfig withAuditAll(boolean a) {
        return new NetworkConfig(policy, a, settings);
    }

    /** The policy as the HTTP API and the state files spell it: {@code {"mode", "allow", "deny"}}. */
    public static ObjectNode policyJson(NetworkPolicy p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mode", p.name());
        if (p instanceof NetworkPolicy.Allow a) {
            ArrayNode allow = n.putArray("allow");
            a.domains().forEach(allow::add);
            ArrayNode deny = n.putArray("deny");
            a.deny().forEach(deny::add);
        }
        return n;
    }

    /** Reads {@code {"mode", "allow", "deny"}} (or a bare mode string); {@code allow} alone implies mode allow. */
    public static NetworkPolicy policyFromJson(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return NetworkPolicy.none();
        if (n.isTextual()) return NetworkPolicy.parse(n.asText());
        if (!n.isObject()) throw new IllegalArgumentException("network must be a mode string or an object {mode, allow, deny}");
        n.fieldNames().forEachRemaining(f -> {
            if (!List.of("mode", "allow", "deny").contains(f)) throw new IllegalArgumentException("unknown network field: " + f);
        });
        return NetworkPolicy.of(n.hasNonNull("mode") ? n.get("mode").asText() : null, strings(n.get("allow")), strings(n.get("deny")));
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) return out;
        if (!n.isArray()) throw new IllegalArgumentException("network allow and deny must be arrays of domain names");
        n.forEach(x -> {
            if (!x.isTextual()) throw new IllegalArgumentException("network allow and deny must be arrays of domain names");
            out.add(x.asText());
        });
        return out;
    }

    byte[] toJson() throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.set("policy", policyJson(policy));
        n.put("auditAll", auditAll);
        settings.hostsFile().ifPresent(p -> n.put("hostsFile", p.toString()));
        settings.caFile().ifPresent(p -> n.put("caFile", p.toString()));
        ArrayNode cidrs = n.putArray("allowCidrs");
        settings.allowCidrs().forEach(cidrs::add);
        return JSON.writeValueAsBytes(n);
    }

    public static Optional<NetworkConfig> read(Path sandboxDir) {
        try {
            JsonNode n = JSON.readTree(file(sandboxDir).toFile());
            return Optional.of(new NetworkConfig(policyFromJson(n.get("policy")), n.path("auditAll").asBoolean(),
                    new EgressSettings(Optional.ofNullable(n.path("hostsFile").textValue()).map(Path::of),
                            Optional.ofNullable(n.path("caFile").textValue()).map(Path::of), strings(n.get("allowCidrs")))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Replaces the file atomically: the egress sees the old or the new policy, never half of one. */
    public void write(Path sandboxDir) throws IOException {
        Path target = file(sandboxDir);
        Path tmp = target.resolveSibling(FILE + ".tmp" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId());
        Files.write(tmp, toJson());
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
