package io.agentbox.sandbox.local;

import io.agentbox.sandbox.Commands;
import io.agentbox.sandbox.Filesystem;
import io.agentbox.sandbox.NetworkAuditEntry;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxNotFoundException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import io.agentbox.sandbox.net.AuditLog;

/** A handle on one local sandbox. Cheap: every operation opens its own connection to the sandbox's init. */
final class LocalSandbox implements Sandbox {
    private final LocalSandboxProvider provider;
    private final Path dir;
    private final Path socket;
    private final String id;
    private volatile SandboxState state;
    private final LocalCommands commands;
    private final LocalFiles files;

    LocalSandbox(LocalSandboxProvider provider, Path dir, SandboxState state, Cgroups cgroups) {
        this.provider = provider;
        this.dir = dir;
        this.socket = dir.resolve("ctl.sock");
        this.id = state.id();
        this.state = state;
        this.commands = new LocalCommands(this, cgroups);
        this.files = new LocalFiles(this);
    }

    @Override
    public String id() {
        return id;
    }

    SandboxState state() {
        return state;
    }

    ControlConnection connect() {
        return ControlConnection.open(socket, id);
    }

    @Override
    public SandboxInfo info() {
        if (!SandboxDirs.isAlive(dir)) throw new SandboxNotFoundException(id);
        try {
            state = SandboxState.read(dir.resolve("sandbox.json"));
        } catch (IOException e) {
            throw new SandboxNotFoundException(id);
        }
        return state.info(dir);
    }

    @Override
    public Commands commands() {
        return commands;
    }

    @Override
    public Filesystem files() {
        return files;
    }

    @Override
    public void setTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        try (ControlConnection c = connect()) {
            c.send('T', new ControlConnection.Fields().add('t', String.valueOf(timeout.toMillis())).bytes());
            LocalCommands.expect(c.receive(), 'z', id);
            SandboxState updated = state.withExpiresAt(Instant.now().plus(timeout));
            updated.write(dir.resolve("sandbox.json"));
            state = updated;
        } catch (IOException e) {
            throw new SandboxException("cannot record the new deadline of " + id + ": " + e.getMessage(), e);
        }
    }

    Path dir() {
        return dir;
    }

    /**
     * Gives a pooled sandbox to its caller: the deadline counts from now, then the caller's state
     * replaces the pool's. Writing the state last is what makes it visible to list and connect.
     */
    LocalSandbox handOut(SandboxState next, Duration timeout, Cgroups cgroups) throws IOException {
        try (ControlConnection c = connect()) {
            c.send('T', new ControlConnection.Fields().add('t', String.valueOf(timeout.toMillis())).bytes());
            LocalCommands.expect(c.receive(), 'z', id);
        }
        next.write(dir.resolve("sandbox.json"));
        LocalCommands.writeFastPath(dir, next, cgroups.oomCounter(id));
        return new LocalSandbox(provider, dir, next, cgroups);
    }

    @Override
    public void setNetwork(NetworkPolicy policy) {
        if (!SandboxDirs.isAlive(dir)) throw new SandboxNotFoundException(id);
        provider.setNetwork(dir, id, policy);
    }

    @Override
    public List<NetworkAuditEntry> networkAudit() {
        if (!java.nio.file.Files.isDirectory(dir)) throw new SandboxNotFoundException(id);
        return AuditLog.read(dir);
    }

    @Override
    public void kill() {
        provider.kill(dir);
    }

    @Override
    public String toString() {
        return "LocalSandbox[" + id + "]";
    }
}
