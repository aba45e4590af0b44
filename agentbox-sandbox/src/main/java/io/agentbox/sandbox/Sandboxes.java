package io.agentbox.sandbox;

import io.agentbox.sandbox.local.LocalSandboxProvider;

import java.nio.file.Path;
import java.util.Optional;

/** Entry points to sandbox providers. */
public final class Sandboxes {
    private Sandboxes() {}

    /** Local bubblewrap sandboxes, with state under {@code AGENTBOX_HOME} (default {@code ~/.agentbox}). */
    public static SandboxProvider local() {
        return local(defaultHome());
    }

    /** Local bubblewrap sandboxes with state under {@code home}. */
    public static SandboxProvider local(Path home) {
        return new LocalSandboxProvider(home);
    }

    /** {@code AGENTBOX_HOME}, or {@code ~/.agentbox}. */
    public static Path defaultHome() {
        return Optional.ofNullable(System.getenv("AGENTBOX_HOME")).filter(s -> !s.isBlank()).map(Path::of)
                .orElse(Path.of(System.getProperty("user.home"), ".agentbox"));
    }
}
