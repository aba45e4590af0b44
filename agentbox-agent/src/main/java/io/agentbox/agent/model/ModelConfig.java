package io.agentbox.agent.model;

import io.agentbox.ConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Model settings as Anthropic's own tools read them (the environment half of {@link AnthropicModelClient.Builder}): {@code ANTHROPIC_API_KEY} (or
 * {@code ANTHROPIC_AUTH_TOKEN}), {@code ANTHROPIC_BASE_URL}, {@code ANTHROPIC_MODEL}, from the
 * environment, then from a {@code .env} file in the working directory for what the environment lacks.
 * {@link #toString()} never shows a secret.
 */
record ModelConfig(Optional<String> apiKey, Optional<String> authToken, Optional<String> baseUrl, String model) {
    static final String DEFAULT_MODEL = "claude-sonnet-4-5";

    static ModelConfig fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of("").toAbsolutePath());
    }

    /** {@code env} wins over {@code dir/.env}. */
    static ModelConfig fromEnvironment(Map<String, String> env, Path dir) {
        Map<String, String> merged = new LinkedHashMap<>(readDotEnv(dir.resolve(".env")));
        env.forEach((k, v) -> {
            if (v != null && !v.isEmpty()) merged.put(k, v);
        });
        return new ModelConfig(value(merged, "ANTHROPIC_API_KEY"), value(merged, "ANTHROPIC_AUTH_TOKEN"),
                value(merged, "ANTHROPIC_BASE_URL"), value(merged, "ANTHROPIC_MODEL").orElse(DEFAULT_MODEL));
    }

    /** @throws ConfigException naming {@code ANTHROPIC_API_KEY} when there is neither a key nor a token */
    ModelConfig requireCredentials() {
        if (apiKey.isEmpty() && authToken.isEmpty()) {
            throw new ConfigException("ANTHROPIC_API_KEY is not set: export it (or ANTHROPIC_AUTH_TOKEN), or put it in a .env file");
        }
        return this;
    }

    @Override
    public String toString() {
        return "ModelConfig[apiKey=" + apiKey.map(k -> "***").orElse("none") + ", authToken="
                + authToken.map(k -> "***").orElse("none") + ", baseUrl=" + baseUrl.orElse("default") + ", model=" + model + "]";
    }

    private static Optional<String> value(Map<String, String> m, String key) {
        return Optional.ofNullable(m.get(key)).map(String::strip).filter(s -> !s.isEmpty());
    }

    /** KEY=VALUE lines; {@code export}, comments and single or double quotes as in shells' dotenv files. */
    static Map<String, String> readDotEnv(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) return out;
        try {
            for (String raw : Files.readAllLines(file)) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                if (line.startsWith("export ")) line = line.substring(7).strip();
                int eq = line.indexOf('=');
                if (eq <= 0) continue;
                String key = line.substring(0, eq).strip();
                String value = line.substring(eq + 1).strip();
                if (value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
                        && value.charAt(value.length() - 1) == value.charAt(0)) {
                    value = value.substring(1, value.length() - 1);
                } else {
                    int hash = value.indexOf(" #");
                    if (hash >= 0) value = value.substring(0, hash).strip();
                }
                out.put(key, value);
            }
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage());
        }
        return out;
    }
}
