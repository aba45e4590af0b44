package io.agentbox.sandbox;

import io.agentbox.sandbox.e2b.E2bSandboxProvider;
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

    /**
     * E2B sandboxes (E2B cloud, or any server speaking E2B's protocol such as {@code agentbox serve}),
     * with E2B's own environment for the rest: {@code E2B_DOMAIN}, {@code E2B_API_URL}, {@code E2B_SANDBOX_URL}.
     * {@link E2bSandboxProvider#builder()} sets everything explicitly.
     */
    public static SandboxProvider e2b(String apiKey) {
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put("E2B_API_KEY", apiKey);
        return E2bSandboxProvider.fromEnvironment(env);
    }

    /** E2B sandboxes configured entirely from the environment ({@code E2B_API_KEY} and the rest). */
    public static SandboxProvider e2b() {
        return E2bSandboxProvider.fromEnvironment(System.getenv());
    }

    /** {@code AGENTBOX_HOME}, or {@code ~/.agentbox}. */
    public static Path defaultHome() {
        return Optional.ofNullable(System.getenv("AGENTBOX_HOME")).filter(s -> !s.isBlank()).map(Path::of)
                .orElse(Path.of(System.getProperty("user.home"), ".agentbox"));
    }
}
