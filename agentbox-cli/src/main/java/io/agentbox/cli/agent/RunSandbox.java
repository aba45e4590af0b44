package io.agentbox.cli.agent;

import io.agentbox.ErrorCategory;
import io.agentbox.cli.CliException;
import io.agentbox.cli.Transfers;
import io.agentbox.sandbox.transfer.TransferReport;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxNotFoundException;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The sandbox of a CLI run or session. The CLI holds it (rather than the agent) so it can upload
 * before the first turn and download after the last, also after a failure. While a run is active
 * its deadline is pushed out every minute, so a long run never outlives its sandbox, and a killed
 * CLI leaves a sandbox that ends itself within {@link #LEASE}.
 */
final class RunSandbox {
    static final Duration LEASE = Duration.ofMinutes(5);
    /** How long a kept sandbox (--keep, sessions, chat) waits for the next turn. */
    static final Duration KEPT = Duration.ofMinutes(30);

    private final Sandbox sandbox;
    private Thread lease;

    private RunSandbox(Sandbox sandbox) {
        this.sandbox = sandbox;
    }

    /** The session's sandbox when it is still alive, else a new one (and a notice saying so). */
    static RunSandbox acquire(SandboxProvider provider, SandboxSpec spec, Optional<String> previousId, Consumer<String> notice) {
        if (previousId.isPresent()) {
            try {
                Sandbox s = provider.connect(previousId.get());
                s.info();
                return new RunSandbox(s);
            } catch (SandboxNotFoundException e) {
                notice.accept("the session's sandbox " + previousId.get() + " has ended (killed or expired); "
                        + "starting a new one: files from earlier turns are gone");
            }
        }
        return new RunSandbox(provider.create(spec.toBuilder().timeout(LEASE).build()));
    }

    Sandbox sandbox() {
        return sandbox;
    }

    /** Copies the folder's content into the sandbox's workdir. */
    void upload(Path dir, boolean all, PrintWriter err) {
        if (!Files.isDirectory(dir)) throw new CliException(ErrorCategory.CONFIG, "--upload needs a directory: " + dir);
        Transfers.upload(dir, sandbox.files(), sandbox.info().workdir(), all, err);
    }

    /** Copies the sandbox's workdir out into the folder (created if missing). */
    TransferReport download(RunCommand.DownloadRequest request, PrintWriter err) {
        return Transfers.download(sandbox.files(), sandbox.info().workdir(), request.dir(), request.policy(), request.all(), err);
    }

    /** Keeps the sandbox alive while a run is active. */
    synchronized void startLease() {
        if (lease != null) return;
        sandbox.setTimeout(LEASE);
        lease = Thread.ofVirtual().name("agentbox-lease-" + sandbox.id()).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(Duration.ofMinutes(1));
                    sandbox.setTimeout(LEASE);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // the sandbox ended; the run reports that through its tools
                    return;
                }
            }
        });
    }

    synchronized void stopLease() {
        if (lease != null) lease.interrupt();
        lease = null;
    }

    /** Kills the sandbox, or keeps it for {@link #KEPT} for the next turn. */
    void release(boolean keep) {
        stopLease();
        try {
            if (keep) sandbox.setTimeout(KEPT);
            else sandbox.kill();
        } catch (SandboxNotFoundException e) {
            // already gone: nothing to keep or kill
        }
    }
}
