package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Terminal;
import io.agentbox.sandbox.CommandHandle;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.OutputListener;
import io.agentbox.sandbox.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Parameters(index = "0", paramLabel = "ID", description = "Sandbox id.")
    private String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "Program and arguments (after --).")
    private List<String> command;

    @Override
    public Integer call() {
        AtomicReference<CommandHandle> running = new AtomicReference<>();
        AtomicBoolean readerGone = new AtomicBoolean();
        OutputListener stdout = passThrough(new FileOutputStream(FileDescriptor.out), running, readerGone);
        OutputListener stderr = passThrough(new FileOutputStream(FileDescriptor.err), running, readerGone);
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
