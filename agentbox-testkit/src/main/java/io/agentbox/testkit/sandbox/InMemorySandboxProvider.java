package io.agentbox.testkit.sandbox;

import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxNotFoundException;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link SandboxProvider} that keeps sandboxes in memory, for testing agent code without root or
 * bubblewrap. Files behave like a real sandbox's (paths, directories, errors); programs do not run:
 * each command goes to the {@link CommandResponder}, which by default answers exit 127.
 * <pre>{@code
 * var sandboxes = InMemorySandboxProvider.builder()
 *         .commands(call -> call.script().equals("ls") ? Reply.ok("a.txt\n") : Reply.notFound(call))
 *         .build();
 * Agent agent = Agent.builder().sandboxProvider(sandboxes).modelClient(client).build();
 * }</pre>
 * It isolates nothing: use it for tests of your own code, never to run untrusted programs.
 */
public final class InMemorySandboxProvider implements SandboxProvider {
    private final CommandResponder responder;
    private final Clock clock;
    private final Map<String, InMemorySandbox> live = new ConcurrentHashMap<>();
    private final AtomicLong counter = new AtomicLong();

    private InMemorySandboxProvider(Builder b) {
        this.responder = b.responder;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A provider whose commands all answer exit 127. */
    public static InMemorySandboxProvider create() {
        return builder().build();
    }

    @Override
    public Sandbox create(SandboxSpec spec) {
        Objects.requireNonNull(spec, "spec");
        String id = "mem-" + Long.toString(counter.incrementAndGet(), 36) + "-" + Long.toString(System.nanoTime() & 0xffffff, 36);
        InMemorySandbox sandbox = new InMemorySandbox(id, spec, responder, clock, () -> live.remove(id));
        live.put(id, sandbox);
        return sandbox;
    }

    @Override
    public Sandbox connect(String id) {
        InMemorySandbox s = live.get(id);
        if (s == null || s.expired()) throw new SandboxNotFoundException(id);
        return s;
    }

    @Override
    public List<SandboxInfo> list(SandboxQuery query) {
        return live.values().stream().filter(s -> !s.expired()).map(InMemorySandbox::info).filter(query::matches).toList();
    }

    @Override
    public boolean kill(String id) {
        InMemorySandbox s = live.get(id);
        if (s == null || s.expired()) return false;
        s.kill();
        return true;
    }

    public static final class Builder {
        private CommandResponder responder = CommandResponder.NONE;
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /** Answers every command the sandboxes are asked to run. */
        public Builder commands(CommandResponder responder) { this.responder = Objects.requireNonNull(responder); return this; }

        /** For deadlines and file times. */
        public Builder clock(Clock clock) { this.clock = Objects.requireNonNull(clock); return this; }

        public InMemorySandboxProvider build() {
            return new InMemorySandboxProvider(this);
        }
    }
}
