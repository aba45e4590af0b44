package io.agentbox.sandbox.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the egress of one sandbox does beyond its policy, {@code <sandbox dir>/egress-rules.json}: which
 * headers are injected for which hosts (names only: the values reach the egress over its control
 * socket and live only in its memory), and the sandbox's routes. Fixed at creation.
 */
record EgressRules(List<SecretInjectionRule> secrets, Map<String, URI> routes) {
    static final String FILE = "egress-rules.json";
    static final EgressRules NONE = new EgressRules(List.of(), Map.of());
    private static final ObjectMapper JSON = new ObjectMapper();

    EgressRules {
        secrets = List.copyOf(secrets);
        routes = Map.copyOf(routes);
    }

    List<SecretInjectionRule> secretsFor(String host) {
        return secrets.stream().filter(s -> s.host().equals("*") || s.host().equalsIgnoreCase(host)).toList();
    }

    static EgressRules read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) return NONE;
        try {
            JsonNode n = JSON.readTree(f.toFile());
            List<SecretInjectionRule> s = new ArrayList<>();
            for (JsonNode x : n.path("secrets")) s.add(new SecretInjectionRule(x.path("host").asText(), x.path("header").asText(), x.path("env").asText()));
            Map<String, URI> r = new LinkedHashMap<>();
            n.path("routes").fields().forEachRemaining(e -> r.put(e.getKey(), URI.create(e.getValue().asText())));
            return new EgressRules(s, r);
        } catch (IOException | RuntimeException e) {
            // unreadable rules: fail closed for every name they might have named
            return new EgressRules(List.of(new SecretInjectionRule("*", "", "")), Map.of());
        }
    }

    void write(Path dir) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        var a = n.putArray("secrets");
        for (SecretInjectionRule r : secrets) a.addObject().put("host", r.host()).put("header", r.header()).put("env", r.env());
        ObjectNode routesNode = n.putObject("routes");
        routes.forEach((h, u) -> routesNode.put(h, u.toString()));
        Files.write(dir.resolve(FILE), JSON.writeValueAsBytes(n));
    }
}
