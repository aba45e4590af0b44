package io.agentbox.sandbox;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Test support: a provider on a private, short data dir (unix socket paths are limited), and a
 * guarantee that every sandbox of that dir is killed when a test ends, pass or fail, including those
 * created by other processes or by code under test. Shared with other modules' tests (test-jar).
 * Register with {@code @RegisterExtension static TestSandboxes sandboxes = new TestSandboxes();}.
 */
public final class TestSandboxes implements AfterEachCallback, AfterAllCallback {
    private final Path home;
    private final SandboxProvider provider;

    public TestSandboxes() {
        try {
            home = Files.createTempDirectory(Path.of("/tmp"), "abx-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
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

    /** How many sandboxes of this data dir are alive. */
    public int live() {
        return provider.list(SandboxQuery.ALL).size();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        provider.list(SandboxQuery.ALL).forEach(info -> provider.kill(info.id()));
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        for (SandboxInfo info : provider.list(SandboxQuery.ALL)) provider.kill(info.id());
        try (Stream<Path> s = Files.walk(home)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Polls until the condition holds or the deadline passes; fails with the message then. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 50_000_000);
        }
    }
}
