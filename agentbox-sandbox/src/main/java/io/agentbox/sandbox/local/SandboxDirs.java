package io.agentbox.sandbox.local;

import io.agentbox.sandbox.SandboxException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The sandboxes' state directories of one data dir, {@code <home>/sandboxes/<id>}: a sandbox is alive
 * exactly while its supervisor holds the directory's lock. Kills wait for the supervisor's cleanup;
 * what a dead supervisor left (a crash, a reboot) is reaped here: processes, cgroups, directories.
 */
final class SandboxDirs {
    /** A state directory without a live supervisor is only swept once it is this old (it may be starting). */
    private static final Duration STALE_AFTER = Duration.ofSeconds(30);

    private final Path home;
    private final Path sandboxes;

    SandboxDirs(Path home, Path sandboxes) {
        this.home = home;
        this.sandboxes = sandboxes;
    }

    /** The per-sandbox egress files (the CA's public parts), outside the state directory. */
    private Path netDir(String id) {
        return home.resolve("net").resolve(id);
    }

    /** Ends the sandbox and returns once its supervisor has removed every trace of it. */
    boolean kill(Path dir, HostRuntime rt) {
        try {
            return killSandbox(dir, rt);
        } finally {
            // the supervisor removes only the files it made; a networked sandbox's egress config is left
            if (Files.isDirectory(dir) && !isAlive(dir)) {
                try {
                    HostFiles.deleteTree(dir);
                } catch (IOException e) {
                    // the next sweep retries
                }
            }
            Path net = netDir(dir.getFileName().toString());
            if (Files.exists(net)) {
                try {
                    HostFiles.deleteTree(net);
                } catch (IOException e) {
                    // the next sweep retries
                }
            }
        }
    }

    private boolean killSandbox(Path dir, HostRuntime rt) {
        Path lockFile = dir.resolve("lock");
        try (FileChannel lock = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            if (tryLock(lock)) {
                reap(dir, rt); // it was already dead; finish what its supervisor could not
                return false;
            }
            try (ControlConnection c = ControlConnection.open(dir.resolve("ctl.sock"), dir.getFileName().toString())) {
                c.send('Q');
            } catch (RuntimeException e) {
                // init is gone already; its supervisor is cleaning up
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // the supervisor's cleanup takes a few milliseconds: poll finely (a probe is one fcntl)
            long pause = 100_000;
            while (System.nanoTime() < deadline) {
                if (tryLock(lock)) return true;
                LockSupport.parkNanos(pause);
                pause = Math.min(pause + 100_000, 2_000_000);
            }
            killSupervisor(dir, rt);
            return true;
        } catch (NoSuchFileException e) {
            return false; // removed by its supervisor meanwhile
        } catch (IOException e) {
            throw new SandboxException("cannot kill sandbox " + dir.getFileName() + ": " + e.getMessage(), e);
        }
    }

    private static boolean tryLock(FileChannel ch) throws IOException {
        try {
            FileLock l = ch.tryLock();
            if (l == null) return false;
            l.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false; // another thread of this JVM is waiting on the same sandbox
        }
    }

    private void killSupervisor(Path dir, HostRuntime rt) {
        try {
            long pid = Long.parseLong(Files.readString(dir.resolve("pid")).trim());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        } catch (IOException | NumberFormatException e) {
            // nothing more we can do; the next sweep cleans up
        }
        reap(dir, rt);
    }

    Optional<Path> dirOf(String id) {
        if (id == null || !id.matches("sbx_[a-z0-9]{8,64}")) return Optional.empty();
        Path dir = sandboxes.resolve(id);
        return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
    }

    /** A sandbox is alive exactly while its supervisor holds the lock. */
    static boolean isAlive(Path dir) {
        try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.WRITE)) {
            return !tryLock(ch);
        } catch (IOException e) {
            return false;
        }
    }

    /** Every sandbox's state directory, live or not. */
    List<Path> all() {
        try (Stream<Path> s = Files.list(sandboxes)) {
            return s.filter(p -> p.getFileName().toString().startsWith("sbx_")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Cleans up after sandboxes whose supervisor died (a crash, a reboot). */
    void sweep(HostRuntime rt) {
        for (Path dir : all()) {
            if (!isAlive(dir)) reapIfStale(dir, rt);
        }
        // CA files of sandboxes that ended without anyone reaping them
        try (Stream<Path> s = Files.list(home.resolve("net"))) {
            for (Path d : s.filter(p -> p.getFileName().toString().startsWith("sbx_")).toList()) {
                if (!Files.exists(sandboxes.resolve(d.getFileName().toString()))) HostFiles.deleteTree(d);
            }
        } catch (IOException e) {
            // nothing to sweep
        }
    }

    /** Reaps a dead sandbox's directory unless it is young enough to be still starting. */
    void reapIfStale(Path dir, HostRuntime rt) {
        try {
            Instant modified = Files.getLastModifiedTime(dir).toInstant();
            if (modified.plus(STALE_AFTER).isBefore(Instant.now())) reap(dir, rt);
        } catch (IOException e) {
            // gone already
        }
    }

    /** Removes what a dead sandbox left: its processes and cgroups, its directory. */
    private void reap(Path dir, HostRuntime rt) {
        String id = dir.getFileName().toString();
        List<Path> dirs = rt.cgroups().dirs(id).reversed();
        killCgroups(rt.init(), dirs);
        for (Path d : dirs) {
            try {
                Files.deleteIfExists(d);
            } catch (IOException e) {
                // still busy; the next sweep retries
            }
        }
        try {
            HostFiles.deleteTree(dir);
            Path net = netDir(id);
            if (Files.exists(net)) HostFiles.deleteTree(net);
        } catch (IOException e) {
            // the next sweep retries
        }
    }

    /**
     * Kills what is left in a dead sandbox's cgroups through the native helper: cgroup.kill on v2,
     * pidfd-pinned signals on v1, never a bare PID that a host process may have taken over.
     */
    private static void killCgroups(Path init, List<Path> dirs) {
        List<String> cmd = new ArrayList<>(List.of(init.toString(), "killcg"));
        for (Path d : dirs) {
            if (Files.isDirectory(d)) cmd.add(d.toString());
        }
        if (cmd.size() == 2) return;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        } catch (IOException e) {
            // the next sweep retries
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
