package io.agentbox.sandbox.local;

import com.fasterxml.jackson.core.type.TypeReference;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandHandle;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Commands;
import io.agentbox.sandbox.ExitReason;
import io.agentbox.sandbox.OutputListener;
import io.agentbox.sandbox.ProcessInfo;
import io.agentbox.sandbox.SandboxException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

final class LocalCommands implements Commands {
    private final LocalSandbox sandbox;
    private final Cgroups cgroups;

    LocalCommands(LocalSandbox sandbox, Cgroups cgroups) {
        this.sandbox = sandbox;
        this.cgroups = cgroups;
    }

    static ControlConnection.Frame expect(ControlConnection.Frame f, char type, String id) {
        if (f.type() == type) return f;
        if (f.type() == 'E') throw new SandboxException("sandbox " + id + ": " + f.text());
        throw new SandboxException("protocol error: unexpected frame '" + f.type() + "' from sandbox " + id);
    }

    /** A command's environment before its own variables: the user's basics, the template's, the sandbox's. */
    static Map<String, String> defaultEnv(SandboxState st, boolean root) {
        Map<String, String> env = new LinkedHashMap<>(LocalSandboxProvider.baseEnv(root));
        env.putAll(st.templateEnv());
        env.putAll(st.env());
        return env;
    }

    /**
     * What the CLI's native fast path for {@code sandbox exec} needs to run a command as this class
     * would (agentbox-client.c): {@code exec.defaults} (NUL-separated pairs: {@code w} workdir, {@code o}
     * the OOM counter file, {@code u} and {@code r} one variable each of the user's and root's
     * environment), rewritten whenever the state changes hands (a pooled sandbox). {@code <id>/init}, a
     * link to the init binary that serves the sandbox, is made at create, so that a client of another build
     * never speaks to it.
     */
    static void writeFastPath(Path dir, SandboxState st, Path oomCounter) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BiConsumer<String, String> pair = (k, v) -> {
            out.writeBytes(k.getBytes(StandardCharsets.UTF_8));
            out.write(0);
            out.writeBytes(v.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        };
        pair.accept("w", st.workdir());
        pair.accept("o", oomCounter.toString());
        defaultEnv(st, false).forEach((k, v) -> pair.accept("u", k + "=" + v));
        defaultEnv(st, true).forEach((k, v) -> pair.accept("r", k + "=" + v));
        Path tmp = java.nio.file.Files.createTempFile(dir, ".exec.defaults", ".tmp");
        java.nio.file.Files.write(tmp, out.toByteArray());
        java.nio.file.Files.move(tmp, dir.resolve("exec.defaults"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private byte[] execRequest(Command c, boolean background) {
        SandboxState st = sandbox.state();
        Map<String, String> env = defaultEnv(st, Command.ROOT.equals(c.user()));
        env.putAll(c.env());
        ControlConnection.Fields f = new ControlConnection.Fields();
        for (String a : c.argv()) f.add('a', a);
        env.forEach((k, v) -> f.add('e', k + "=" + v));
        f.add('c', c.cwd().map(cwd -> SandboxPaths.resolve(st.workdir(), cwd)).orElse(st.workdir()));
        f.add('u', c.user());
        c.timeout().ifPresent(t -> f.add('t', String.valueOf(Math.max(1, t.toMillis()))));
        if (background) f.add('b', "1");
        return f.bytes();
    }

    @Override
    public CommandResult run(Command command) {
        long oomBefore = cgroups.oomKills(sandbox.id());
        long start = System.nanoTime();
        try (ControlConnection c = sandbox.connect()) {
            c.send('X', execRequest(command, false));
            int pid = Integer.parseInt(expect(c.receive(), 's', sandbox.id()).text());
            command.stdin().ifPresent(in -> sendChunked(c, in));
            c.send('I');
            Collector out = new Collector(command, oomBefore, start);
            try {
                return out.readUntilExit(c, pid);
            } catch (SandboxException e) {
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    // closing the connection kills the command (a foreground command dies with its caller)
                    return out.result(137, ExitReason.KILLED, Optional.of(9));
                }
                throw e;
            }
        }
    }

    static void sendChunked(ControlConnection c, byte[] data) {
        for (int off = 0; off < data.length; off += 65536) c.send('i', data, off, Math.min(65536, data.length - off));
    }

    @Override
    public CommandHandle start(Command command) {
        long oomBefore = cgroups.oomKills(sandbox.id());
        ControlConnection c = sandbox.connect();
        try {
            c.send('X', execRequest(command, true));
            int pid = Integer.parseInt(expect(c.receive(), 's', sandbox.id()).text());
            command.stdin().ifPresent(in -> {
                sendChunked(c, in);
                c.send('I');
            });
            return new Handle(c, pid, new Collector(command, oomBefore, System.nanoTime()));
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    @Override
    public CommandHandle connect(int pid, OutputListener onStdout, OutputListener onStderr) {
        ControlConnection c = sandbox.connect();
        try {
            c.send('A', new ControlConnection.Fields().add('p', String.valueOf(pid)).bytes());
            ControlConnection.Frame f = c.receive();
            if (f.type() == 'E') throw new SandboxException("no process " + pid + " in sandbox " + sandbox.id());
            expect(f, 's', sandbox.id());
            Command shape = Command.builder("attached").onStdout(onStdout).onStderr(onStderr).build();
            return new Handle(c, pid, new Collector(shape, cgroups.oomKills(sandbox.id()), System.nanoTime()));
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private record ListedProcess(int pid, List<String> argv, String cwd, String user, long startedAt, boolean running,
                                 Integer exitCode, boolean background) {}

    @Override
    public List<ProcessInfo> list() {
        try (ControlConnection c = sandbox.connect()) {
            c.send('L');
            byte[] json = expect(c.receive(), 'j', sandbox.id()).payload();
            List<ListedProcess> listed = SandboxState.JSON.readValue(json, new TypeReference<>() {});
            List<ProcessInfo> result = new ArrayList<>();
            for (ListedProcess p : listed) {
                result.add(new ProcessInfo(p.pid(), p.argv(), p.cwd(), p.user(), Instant.ofEpochMilli(p.startedAt()),
                        p.running(), Optional.ofNullable(p.exitCode())));
            }
            return result;
        } catch (IOException e) {
            throw new SandboxException("cannot list processes of " + sandbox.id() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean kill(int pid) {
        try (ControlConnection c = sandbox.connect()) {
            c.send('K', new ControlConnection.Fields().add('p', String.valueOf(pid)).bytes());
            return expect(c.receive(), 'z', sandbox.id()).text().equals("killed");
        }
    }

    /** Collects a command's output up to its limit, feeds its listeners, and turns the exit frame into a result. */
    private final class Collector {
        private final Command command;
        private final long oomBefore;
        private final long start;
        private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        private boolean stdoutTruncated;
        private boolean stderrTruncated;

        Collector(Command command, long oomBefore, long start) {
            this.command = command;
            this.oomBefore = oomBefore;
            this.start = start;
        }

        CommandResult readUntilExit(ControlConnection c, int pid) {
            while (true) {
                ControlConnection.Frame f = c.receive();
                switch (f.type()) {
                    case 'o' -> {
                        stdoutTruncated |= keep(stdout, f.payload());
                        command.onStdout().onOutput(f.payload(), 0, f.payload().length);
                    }
                    case 'e' -> {
                        stderrTruncated |= keep(stderr, f.payload());
                        command.onStderr().onOutput(f.payload(), 0, f.payload().length);
                    }
                    case 'x' -> {
                        return exit(f.text());
                    }
                    case 'D' -> throw new SandboxException("process " + pid + " was attached by another client");
                    case 'E' -> throw new SandboxException("sandbox " + sandbox.id() + ": " + f.text());
                    default -> throw new SandboxException("protocol error: unexpected frame '" + f.type() + "'");
                }
            }
        }

        private boolean keep(ByteArrayOutputStream buf, byte[] data) {
            long room = command.outputLimit() - buf.size();
            if (room >= data.length) {
                buf.write(data, 0, data.length);
                return false;
            }
            if (room > 0) buf.write(data, 0, (int) room);
            return true;
        }

        private CommandResult exit(String text) {
            // "<code> <signal> <reason> <stdout history truncated> <stderr history truncated>"
            String[] p = text.split(" ");
            int code = Integer.parseInt(p[0]);
            int signal = Integer.parseInt(p[1]);
            ExitReason reason = switch (p[2]) {
                case "timeout" -> ExitReason.TIMEOUT;
                case "killed" -> ExitReason.KILLED;
                // The OOM killer may have picked any process of the sandbox (a child under sh -c, a
                // compiler's worker): the cgroup's counter, not the main process's signal, tells.
                case "signaled" -> oomDuringCommand() ? ExitReason.OOM : ExitReason.SIGNALED;
                default -> code != 0 && oomDuringCommand() ? ExitReason.OOM : ExitReason.EXITED;
            };
            stdoutTruncated |= p.length > 3 && p[3].equals("1");
            stderrTruncated |= p.length > 4 && p[4].equals("1");
            return result(code, reason, signal == 0 ? Optional.empty() : Optional.of(signal));
        }

        private boolean oomDuringCommand() {
            return cgroups.oomKills(sandbox.id()) > oomBefore;
        }

        CommandResult result(int code, ExitReason reason, Optional<Integer> signal) {
            return new CommandResult(code, reason, signal, stdout.toByteArray(), stderr.toByteArray(),
                    stdoutTruncated, stderrTruncated, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private final class Handle implements CommandHandle {
        private final ControlConnection connection;
        private final int pid;
        private final CompletableFuture<CommandResult> result = new CompletableFuture<>();

        Handle(ControlConnection connection, int pid, Collector collector) {
            this.connection = connection;
            this.pid = pid;
            Thread.ofVirtual().name("agentbox-cmd-" + sandbox.id() + "-" + pid).start(() -> {
                try {
                    result.complete(collector.readUntilExit(connection, pid));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                } finally {
                    connection.close();
                }
            });
        }

        @Override
        public int pid() {
            return pid;
        }

        @Override
        public void sendStdin(byte[] data) {
            if (result.isDone()) throw new SandboxException("process " + pid + " has ended");
            sendChunked(connection, data);
        }

        @Override
        public void closeStdin() {
            if (!result.isDone()) connection.send('I');
        }

        @Override
        public void kill() {
            if (result.isDone()) return;
            try {
                connection.send('k');
            } catch (SandboxException e) {
                LocalCommands.this.kill(pid);
            }
        }

        @Override
        public CommandResult await() {
            try {
                return result.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxException("interrupted while waiting for process " + pid, e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new SandboxException(e.getCause().getMessage(), e.getCause());
            }
        }

        @Override
        public Optional<CommandResult> await(Duration timeout) {
            try {
                return Optional.of(result.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxException("interrupted while waiting for process " + pid, e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new SandboxException(e.getCause().getMessage(), e.getCause());
            }
        }
    }
}
