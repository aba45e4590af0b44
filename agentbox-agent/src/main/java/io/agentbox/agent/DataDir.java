package io.agentbox.agent;

import java.nio.file.Path;

/** The agentbox data directory: {@code AGENTBOX_HOME}, or {@code ~/.agentbox}. */
public final class DataDir {
    private DataDir() {}

    public static Path resolve() {
        String home = System.getenv("AGENTBOX_HOME");
        if (home != null && !home.isBlank()) return Path.of(home).toAbsolutePath();
        return Path.of(System.getProperty("user.home"), ".agentbox");
    }
}
