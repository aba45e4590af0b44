package io.agentbox.agent;

import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.Sandboxes;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Real local sandboxes on a private, short data dir; every sandbox of that dir is killed after each
 * test, pass or fail, including those an agent created on its own.
 */
public final class TestSandboxes implements AfterEachCallback, AfterAllCallback {
    private final Path home;
    private final SandboxProvider provider;

    public TestSandboxes() {
        try {
            home = Files.createTempDirectory(Path.of("/tmp"), "abxa-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        provider = Sandboxes.local(home);
    }

    public Path home() {
        return home;
    }

    public SandboxProvider provider() {
        return provider;
    }

    public Sandbox create() {
        return create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).build());
    }

    public Sandbox create(SandboxSpec spec) {
        return provider.create(spec);
    }

    public int live() {
        return provider.list(SandboxQuery.ALL).size();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        provider.list(SandboxQuery.ALL).forEach(info -> provider.kill(info.id()));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        afterEach(context);
        try (var paths = Files.walk(home)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover temp dir must not fail the tests
        }
    }
}
