package io.agentbox.sandbox;

import java.util.Map;

/** A filter for {@link SandboxProvider#list}: every given metadata pair must match. */
public record SandboxQuery(Map<String, String> metadata) {
    public static final SandboxQuery ALL = new SandboxQuery(Map.of());

    public SandboxQuery {
        metadata = Map.copyOf(metadata);
    }

    public static SandboxQuery metadata(Map<String, String> metadata) {
        return new SandboxQuery(metadata);
    }

    public boolean matches(SandboxInfo info) {
        return metadata.entrySet().stream().allMatch(e -> e.getValue().equals(info.metadata().get(e.getKey())));
    }
}
