package io.agentbox.sandbox;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Test support: a provider on a private, short data dir (unix socket paths are limited), and a
 * guarantee that every sandbox a test creates is killed when the test ends, pass or fail.
 * Register with {@code @RegisterExtension static TestSandboxes sandboxes = new TestSandboxes();}.
 */
public final class TestSandboxes implements AfterEachCallback, AfterAllCallback {
    private final Path home;
    private final SandboxProvider provider;
    private final List<Sandbox> created = new ArrayList<>();

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

    public synchronized Sandbox create(SandboxSpec spec) {
        Sandbox s = provider.create(spec);
        created.add(s);
        return s;
    }

    /** Registers a sandbox created some other way (another process, a connect) for cleanup. */
    public synchronized void track(Sandbox s) {
        created.add(s);
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        for (Sandbox s : created) {
            try {
                s.kill();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
        created.clear();
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
