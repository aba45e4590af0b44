package io.agentbox.sandbox.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.SandboxException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Finds the root filesystem and environment defaults of a template by name. */
final class TemplateResolver {
    record Template(String name, Optional<Path> rootfs, Map<String, String> env) {}

    private final Path templates;

    TemplateResolver(Path home) {
        this.templates = home.resolve("templates");
    }

    Template resolve(String name) {
        if ("host".equals(name)) return new Template(name, Optional.empty(), Map.of());
        if (!name.matches("[a-z0-9][a-z0-9_.-]{0,62}")) throw new SandboxException("invalid template name: " + name);
        Path dir = templates.resolve(name);
        Path rootfs = dir.resolve("rootfs");
        if (!Files.isDirectory(rootfs)) {
            throw new SandboxException("unknown template '" + name + "' (build it with 'agentbox template build FILE.toml'; 'host' is built in)");
        }
        Map<String, String> env = new LinkedHashMap<>();
        try {
            JsonNode info = SandboxState.JSON.readTree(dir.resolve("template.json").toFile());
            info.path("env").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        } catch (IOException e) {
            throw new SandboxException("template '" + name + "' is damaged (no readable template.json): rebuild it", e);
        }
        return new Template(name, Optional.of(rootfs), env);
    }
}
