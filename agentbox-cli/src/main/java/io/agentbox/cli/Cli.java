package io.agentbox.cli;

import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.Sandboxes;

import java.nio.file.Path;

/** What the commands of one invocation share: the data dir and the sandbox provider, opened on first use. */
public final class Cli {
    private final Path home;
    private SandboxProvider sandboxes;

    public Cli(Path home) {
        this.home = home;
    }

    public Path home() {
        return home;
    }

    public SandboxProvider sandboxes() {
        if (sandboxes == null) sandboxes = Sandboxes.local(home);
        return sandboxes;
    }

    /** A live sandbox by id; fails with "sandbox not found" otherwise. */
    public Sandbox sandbox(String id) {
        return sandboxes().connect(id);
    }
}
