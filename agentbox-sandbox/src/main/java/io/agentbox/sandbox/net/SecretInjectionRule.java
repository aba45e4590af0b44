package io.agentbox.sandbox.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A resolved secret of one sandbox, {@code <sandbox dir>/secrets.json} (mode 0600, outside the
 * sandbox's filesystem). Never printed: {@link #toString()} leaves the value out.
 */
record SecretInjectionRule(String host, String header, String value) {
    static final String FILE = "secrets.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override public String toString() {
        return host + ":" + header + "=<redacted>";
    }

    static List<SecretInjectionRule> read(Path dir) {
        List<SecretInjectionRule> out = new ArrayList<>();
        try {
            for (JsonNode n : JSON.readTree(dir.resolve(FILE).toFile())) {
                out.add(new SecretInjectionRule(n.path("host").asText(), n.path("header").asText(), n.path("value").asText()));
            }
        } catch (IOException e) {
            // no secrets
        }
        return List.copyOf(out);
    }

    static void write(Path dir, List<SecretInjectionRule> rules) throws IOException {
        ArrayNode a = JSON.createArrayNode();
        for (SecretInjectionRule r : rules) a.addObject().put("host", r.host()).put("header", r.header()).put("value", r.value());
        Path f = dir.resolve(FILE);
        Files.deleteIfExists(f);
        Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(f, JSON.writeValueAsBytes(a));
    }
}
