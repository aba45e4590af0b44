package io.agentbox.agent.model;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a model client sends requests and with which credential, for runtimes that reach the model from
 * somewhere else (Claude Code inside a sandbox, through the egress that adds this credential).
 * {@link #toString()} never shows the credential.
 *
 * @param baseUrl the API's base URL ({@code https://api.anthropic.com} by default)
 * @param header  {@code x-api-key}, or {@code authorization} for a bearer token
 * @param value   the header's value ({@code Bearer …} for a token)
 */
public record ModelEndpoint(URI baseUrl, String header, String value) {
    public static final URI DEFAULT_BASE_URL = URI.create("https://api.anthropic.com");

    public ModelEndpoint {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(value, "value");
    }

    static ModelEndpoint of(Optional<String> baseUrl, Optional<String> apiKey, Optional<String> authToken) {
        URI base = baseUrl.map(URI::create).orElse(DEFAULT_BASE_URL);
        return apiKey.map(k -> new ModelEndpoint(base, "x-api-key", k))
                .orElseGet(() -> new ModelEndpoint(base, "authorization", "Bearer " + authToken.orElseThrow()));
    }

    /** Whether the credential is a bearer token ({@code ANTHROPIC_AUTH_TOKEN}) rather than an API key. */
    public boolean bearer() {
        return header.equals("authorization");
    }

    @Override
    public String toString() {
        return "ModelEndpoint[" + baseUrl + ", " + header + "=***]";
    }
}
