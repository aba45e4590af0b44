package io.agentbox.agent.it;

import io.agentbox.agent.ClaudeCodeRuntime;
import io.agentbox.agent.claudecode.ClaudeCodeInstall;

import java.nio.file.Files;
import java.nio.file.Path;

/** The pinned Claude Code of test-deps/claude-code (installed by ./setup.sh --deps-only), for the claude-code runtime's tests. */
final class ClaudeCode {
    static final Path NODE_MODULES = Path.of(System.getProperty("agentbox.repo", "..")).toAbsolutePath().normalize()
            .resolve("test-deps/claude-code/node_modules");

    /**
     * Claude Code's retries in these tests. Not 0: the egress may close a kept-alive connection just as
     * Claude Code reuses it (a reset that never reaches the fake, so request counts stay exact), which
     * Claude Code retries like a production run would (its own default is 10).
     */
    static final int RETRIES = 2;

    private ClaudeCode() {}

    static ClaudeCodeInstall install() {
        if (!Files.isDirectory(NODE_MODULES)) {
            throw new AssertionError("Claude Code is not in " + NODE_MODULES + ": run ./setup.sh --deps-only (or test-deps/install.sh)");
        }
        return ClaudeCodeInstall.fromNodeModules(NODE_MODULES);
    }

    /** Few retries, so API-error tests end fast; the Harness's data dir has no install of its own. */
    static ClaudeCodeRuntime.Builder runtime(Harness h, int maxRetries) {
        return ClaudeCodeRuntime.builder().home(h.home()).install(install()).maxRetries(maxRetries);
    }
}
