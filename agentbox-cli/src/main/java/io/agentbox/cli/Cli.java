package io.agentbox.cli;

import io.agentbox.ErrorCategory;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.Sandboxes;

import java.nio.file.Path;

/** What the commands of one invocation share: the data dir and the sandbox provider, opened on first use. */
public final class Cli {
    public static final String LOCAL = "local";
    public static final String E2B = "e2b";

    private final Path home;
    private final String provider;
    private SandboxProvider sandboxes;

    public Cli(Path home) {
        this(home, LOCAL);
    }

    /** {@code provider}: {@code local} or {@code e2b} (configured from E2B's environment variables). */
    public Cli(Path home, String provider) {
        this.home = home;
        this.provider = provider;
    }

    public Path home() {
        return home;
    }

    /** {@link #LOCAL}, {@link #E2B} or what the user asked for (refused on first use). */
    public String provider() {
        return provider;
    }

    public SandboxProvider sandboxes() {
        if (sandboxes == null) {
            sandboxes = switch (provider) {
                case LOCAL -> Sandboxes.local(home);
                case E2B -> Sandboxes.e2b();
                default -> throw new CliException(ErrorCategory.CONFIG, "--provider must be local or e2b, got: " + provider, Main.EXIT_USAGE);
            };
        }
        return sandboxes;
    }

    /** A live sandbox by id; fails with "sandbox not found" otherwise. */
    public Sandbox sandbox(String id) {
        return sandboxes().connect(id);
    }
}
