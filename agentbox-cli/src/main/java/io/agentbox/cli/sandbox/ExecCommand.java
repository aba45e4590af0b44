package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Converters;
import io.agentbox.cli.Terminal;
import io.agentbox.sandbox.CommandHandle;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.OutputListener;
import io.agentbox.sandbox.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code agentbox sandbox exec ID -- CMD...}: runs a command like a local one. Output is passed
 * through byte for byte as it arrives, piped stdin is forwarded, and the exit code is the
 * command's (124 for a timeout as with GNU timeout, 137 when killed or out of memory).
 *
 * <p>Each stream passes at most {@code --max-output} bytes (10 MiB by default): a runaway
 * {@code yes} must not fill the caller's disk or pipe. Past the cap the rest of that stream is
 * dropped, the command keeps running to its end (stopping it would change what it does, e.g. leave
 * a build half done), its exit code is kept, and stderr says how much was dropped.
 */
@Command(name = "exec",
        description = "Run a command in a sandbox, streaming its output; exits with the command's exit code.")
final class ExecCommand implements Callable<Integer> {
    static final int EXIT_TIMEOUT = 124;
    static final int EXIT_KILLED = 137;
    static final int EXIT_BROKEN_PIPE = 128 + 13;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ProcessOptions options;

    static final long DEFAULT_MAX_OUTPUT = 10L << 20;

    @Option(names = "--max-output", paramLabel = "SIZE", converter = Converters.SizeBytesConverter.class,
            description = "Pass at most this much of each of stdout and stderr, e.g. 1m (default: 10m; 0: no limit). "
                    + "The command keeps running past the cap; the rest of its output is dropped.")
    private long maxOutput = DEFAULT_MAX_OUTPUT;

    @Parameters(index = "0", paramLabel = "ID", description = "Sandbox id.")
    private String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "Program and arguments (after --).")
    private List<String> command;

    @Override
    public Integer call() {
        AtomicReference<CommandHandle> running = new AtomicReference<>();
        AtomicBoolean readerGone = new AtomicBoolean();
        Capped stdoutCap = new Capped(maxOutput);
        Capped stderrCap = new Capped(maxOutput);
        OutputListener stdout = stdoutCap.wrap(passThrough(new FileOutputStream(FileDescriptor.out), running, readerGone));
        OutputListener stderr = stderrCap.wrap(passThrough(new FileOutputStream(FileDescriptor.err), running, readerGone));
        // a terminal is not forwarded (there is no pty in the sandbox); pipes and files are
        boolean forwardStdin = !Terminal.isTerminal(Terminal.STDIN);
        var builder = options.builder(command, spec).onStdout(stdout).onStderr(stderr);
        if (!forwardStdin) builder.stdin(new byte[0]);
        Sandbox sandbox = AgentboxCommand.cli(spec).sandbox(id);

        CommandHandle handle = sandbox.commands().start(builder.build());
        running.set(handle);
        if (readerGone.get()) handle.kill();
        // Ctrl-C (or any other end of this process) ends the command too, as for a local process.
        AtomicBoolean done = new AtomicBoolean();
        Thread killOnExit = new Thread(() -> {
            if (!done.get()) handle.kill();
        });
        Runtime.getRuntime().addShutdownHook(killOnExit);
        if (forwardStdin) forwardStdin(handle);

        CommandResult result = handle.await();
        done.set(true);
        Runtime.getRuntime().removeShutdownHook(killOnExit);
        if (readerGone.get()) return EXIT_BROKEN_PIPE;
        stdoutCap.report("stdout", spec);
        stderrCap.report("stderr", spec);
        result.limitMessage().ifPresent(m -> {
            spec.commandLine().getErr().println(m);
            spec.commandLine().getErr().flush();
        });
        return exitCode(result);
    }

    static int exitCode(CommandResult result) {
        return switch (result.reason()) {
            case EXITED, SIGNALED -> result.exitCode();
            case TIMEOUT -> EXIT_TIMEOUT;
            case OOM, KILLED -> EXIT_KILLED;
        };
    }

    /** Counts one stream's bytes and passes on only the first {@code limit} of them (0: all). */
    private static final class Capped {
        private final long limit;
        private long seen;

        Capped(long limit) {
            this.limit = limit;
        }

        OutputListener wrap(OutputListener target) {
            return (bytes, offset, length) -> {
                long room;
                synchronized (this) {
                    room = limit == 0 ? length : Math.max(0, Math.min(length, limit - seen));
                    seen += length;
                }
                if (room > 0) target.onOutput(bytes, offset, (int) room);
            };
        }

        synchronized void report(String stream, CommandSpec spec) {
            if (limit == 0 || seen <= limit) return;
            spec.commandLine().getErr().printf(
                    "agentbox: %s truncated at %s (--max-output); %s more dropped, the command ran to its end%n",
                    stream, human(limit), human(seen - limit));
            spec.commandLine().getErr().flush();
        }

        private static String human(long bytes) {
            if (bytes >= 1L << 20) return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
            if (bytes >= 1L << 10) return String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0);
            return bytes + " bytes";
        }
    }

    private static OutputListener passThrough(OutputStream target, AtomicReference<CommandHandle> running, AtomicBoolean readerGone) {
        return (bytes, offset, length) -> {
            if (readerGone.get()) return;
            try {
                synchronized (target) {
                    target.write(bytes, offset, length);
                    target.flush();
                }
            } catch (IOException e) {
                // The reader went away (e.g. `| head`): stop the command, as SIGPIPE would stop a local one.
                readerGone.set(true);
                CommandHandle h = running.get();
                if (h != null) h.kill();
            }
        };
    }

    /** Pumps this process's stdin into the command until end of file, then closes the command's stdin. */
    private static void forwardStdin(CommandHandle handle) {
        Thread.ofPlatform().daemon().name("agentbox-stdin").start(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = new FileInputStream(FileDescriptor.in)) {
                for (int n; (n = in.read(buf)) > 0; ) handle.sendStdin(Arrays.copyOf(buf, n));
            } catch (IOException | RuntimeException e) {
                // stdin failed or the command already ended: nothing more to forward
            } finally {
                try {
                    handle.closeStdin();
                } catch (RuntimeException ignored) {
                    // the command already ended
                }
            }
        });
    }
}
