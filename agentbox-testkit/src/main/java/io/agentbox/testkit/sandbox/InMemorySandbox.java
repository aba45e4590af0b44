package io.agentbox.testkit.sandbox;

import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandHandle;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Commands;
import io.agentbox.sandbox.ExitReason;
import io.agentbox.sandbox.Filesystem;
import io.agentbox.sandbox.OutputListener;
import io.agentbox.sandbox.ProcessInfo;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxNotFoundException;
import io.agentbox.sandbox.SandboxSpec;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** One sandbox of an {@link InMemorySandboxProvider}; commands complete at once, through the responder. */
final class InMemorySandbox implements Sandbox, Commands {
    private final String id;
    private final SandboxSpec spec;
    private final CommandResponder responder;
    private final Clock clock;
    private final Runnable onKill;
    private final Instant createdAt;
    private final InMemoryFiles files;
    private final List<ProcessInfo> processes = new CopyOnWriteArrayList<>();
    private final AtomicInteger pids = new AtomicInteger(1);
    private volatile Instant expiresAt;
    private volatile boolean killed;

    InMemorySandbox(String id, SandboxSpec spec, CommandResponder responder, Clock clock, Runnable onKill) {
        this.id = id;
        this.spec = spec;
        this.responder = responder;
        this.clock = clock;
        this.onKill = onKill;
        this.createdAt = clock.instant();
        this.expiresAt = createdAt.plus(spec.timeout());
        this.files = new InMemoryFiles(spec.workdir(), clock, this::requireLive);
    }

    @Override public String id() { return id; }

    @Override
    public SandboxInfo info() {
        requireLive();
        return new SandboxInfo(id, spec.template(), createdAt, expiresAt, spec.metadata(), spec.resources(), spec.network(), spec.workdir());
    }

    @Override public Commands commands() { return this; }

    @Override public Filesystem files() { return files; }

    @Override
    public void setTimeout(Duration timeout) {
        requireLive();
        expiresAt = clock.instant().plus(timeout);
    }

    @Override
    public void kill() {
        if (killed) return;
        killed = true;
        onKill.run();
    }

    boolean expired() {
        return killed || !clock.instant().isBefore(expiresAt);
    }

    private void requireLive() {
        if (expired()) throw new SandboxNotFoundException(id);
    }

    @Override
    public CommandResult run(Command command) {
        requireLive();
        Instant start = clock.instant();
        CommandResponder.Reply reply = responder.respond(new CommandResponder.Call(command.argv(),
                command.cwd().orElse(spec.workdir()), command.env(), command.stdin().orElse(new byte[0]), command.user(), files));
        byte[] out = reply.stdoutBytes();
        byte[] err = reply.stderrBytes();
        command.onStdout().onOutput(out, 0, out.length);
        command.onStderr().onOutput(err, 0, err.length);
        processes.add(new ProcessInfo(pids.incrementAndGet(), command.argv(), command.cwd().orElse(spec.workdir()), command.user(),
                start, false, Optional.of(reply.exitCode())));
        return new CommandResult(reply.exitCode(), ExitReason.EXITED, Optional.empty(), out, err, false, false,
                Duration.between(start, clock.instant()));
    }

    @Override
    public CommandHandle start(Command command) {
        CommandResult result = run(command);
        int pid = processes.get(processes.size() - 1).pid();
        return new CommandHandle() {
            @Override public int pid() { return pid; }
            @Override public void sendStdin(byte[] data) { }
            @Override public void closeStdin() { }
            @Override public void kill() { }
            @Override public CommandResult await() { return result; }
            @Override public Optional<CommandResult> await(Duration timeout) { return Optional.of(result); }
        };
    }

    @Override
    public CommandHandle connect(int pid, OutputListener onStdout, OutputListener onStderr) {
        throw new UnsupportedOperationException("an in-memory sandbox keeps no background processes to connect to");
    }

    @Override
    public List<ProcessInfo> list() {
        return List.copyOf(processes);
    }

    @Override
    public boolean kill(int pid) {
        return false;
    }
}
