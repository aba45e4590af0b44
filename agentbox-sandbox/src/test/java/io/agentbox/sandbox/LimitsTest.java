package io.agentbox.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Every limit promised in DESIGN.md, hit on purpose: the work ends with a typed reason and the host is fine. */
class LimitsTest {
    @RegisterExtension
    static TestSandboxes sandboxes = new TestSandboxes();

    @Test
    void memoryBombEndsWithOom() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().memoryMb(128).build());
        CommandResult r = s.commands().run(Command.builder("python3", "-c", "b = bytearray(512 * 1024 * 1024); print('allocated')")
                .timeout(Duration.ofSeconds(60)).build());
        assertThat(r.reason()).isEqualTo(ExitReason.OOM);
        assertThat(r.stdout()).doesNotContain("allocated");
        assertThat(r.limitMessage()).hasValueSatisfying(m -> assertThat(m).contains("out of memory"));
        // the sandbox survives its command's OOM
        assertThat(s.commands().run(Command.of("echo", "still here")).stdout()).isEqualTo("still here\n");
    }

    @Test
    void anOomKilledChildOfTheCommandIsReportedAsOom() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().memoryMb(128).build());
        // the shell survives and exits 137 itself: only the sandbox's OOM counter tells what happened
        CommandResult r = s.commands().run(Command.builder("sh", "-c", "python3 -c 'bytearray(1 << 30)'")
                .timeout(Duration.ofSeconds(60)).build());
        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(r.reason()).isEqualTo(ExitReason.OOM);
        assertThat(r.limitMessage()).hasValueSatisfying(m -> assertThat(m).contains("out of memory"));
        // a background process's OOM during a command is reported too
        CommandResult bg = s.commands().run(Command.builder("bash", "-c",
                "python3 -c 'bytearray(1 << 30)' & wait $!; exit $?").timeout(Duration.ofSeconds(60)).build());
        assertThat(bg.reason()).isEqualTo(ExitReason.OOM);
        // an ordinary failure after that is not blamed on memory
        assertThat(s.commands().run(Command.shell("exit 3")).reason()).isEqualTo(ExitReason.EXITED);
    }

    @Test
    void forkBombIsStoppedByThePidsLimitAndTheHostStaysResponsive() throws IOException {
        Sandbox s = sandboxes.create(SandboxSpec.builder().pids(64).build());
        Sandbox neighbour = sandboxes.create();
        CommandHandle bomb = s.commands().start(Command.of("bash", "-c", "bomb() { bomb | bomb & }; bomb; sleep 600"));
        Path pidsCurrent = cgroupFile(s, "pids", "pids.current");
        TestSandboxes.await("the bomb to hit the pids limit", Duration.ofSeconds(30),
                () -> readLong(pidsCurrent) >= 60);
        assertThat(readLong(pidsCurrent)).isLessThanOrEqualTo(64);
        // while the bomb is at its limit, another sandbox (and so the host) still answers
        CommandResult meanwhile = neighbour.commands().run(Command.of("echo", "responsive"));
        assertThat(meanwhile.stdout()).isEqualTo("responsive\n");
        assertThat(meanwhile.duration()).isLessThan(Duration.ofSeconds(2));
        // the bomb runs in its command's process group: killing the command clears it
        s.commands().kill(bomb.pid());
        TestSandboxes.await("the bomb to be cleared", Duration.ofSeconds(30), () -> readLong(pidsCurrent) <= 2);
        assertThat(s.commands().run(Command.of("echo", "ok")).stdout()).isEqualTo("ok\n");
    }

    static Path cgroupFile(Sandbox s, String controller, String file) {
        Path v1 = Path.of("/sys/fs/cgroup", controller, "agentbox", s.id(), file);
        return Files.exists(v1) ? v1 : Path.of("/sys/fs/cgroup/agentbox", s.id(), file);
    }

    static long readLong(Path p) {
        try {
            return Long.parseLong(Files.readString(p).trim());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void pidsLimitCapsProcessCount() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().pids(20).build());
        CommandResult r = s.commands().run(Command.builder("python3", "-c", """
                import os, time
                n = 0
                for i in range(60):
                    try:
                        pid = os.fork()
                    except OSError:
                        break
                    if pid == 0:
                        time.sleep(30)
                        os._exit(0)
                    n += 1
                print(n)
                """).timeout(Duration.ofSeconds(30)).build());
        int started = Integer.parseInt(r.stdout().trim());
        assertThat(started).isBetween(1, 19);
    }

    @Test
    void diskQuotaCapsTheWritablePart() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().diskMb(32).memoryMb(512).build());
        CommandResult r = s.commands().run(Command.shell("dd if=/dev/zero of=/workspace/fill bs=1M count=100 2>&1; echo rc=$?"));
        assertThat(r.stdout()).contains("No space left on device");
        // the quota covers /tmp and home too: it is one filesystem
        CommandResult tmp = s.commands().run(Command.shell("dd if=/dev/zero of=/tmp/more bs=1M count=10 2>&1"));
        assertThat(tmp.stdout()).contains("No space left on device");
        s.files().remove("/workspace/fill");
        assertThat(s.commands().run(Command.shell("dd if=/dev/zero of=/tmp/fits bs=1M count=10 2>&1")).exitCode()).isZero();
    }

    @Test
    void sharedMemoryAndRunCountAgainstTheDiskQuotaAndDevIsReadOnly() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().diskMb(32).memoryMb(512).build());
        // /dev/shm (POSIX shared memory, as the user) and /run (as root) are on the quota's filesystem
        CommandResult shm = s.commands().run(Command.shell("dd if=/dev/zero of=/dev/shm/fill bs=1M count=100 2>&1; echo rc=$?"));
        assertThat(shm.stdout()).contains("No space left on device");
        s.files().remove("/dev/shm/fill");
        CommandResult run = s.commands().run(Command.shellBuilder("dd if=/dev/zero of=/run/fill bs=1M count=100 2>&1; echo rc=$?").asRoot().build());
        assertThat(run.stdout()).contains("No space left on device");
        s.commands().run(Command.shellBuilder("rm -f /run/fill").asRoot().build());
        CommandResult shmOpen = s.commands().run(Command.of("python3", "-c",
                "from multiprocessing import shared_memory as m; x = m.SharedMemory(create=True, size=1 << 20); x.buf[0] = 1; print('shm ok'); x.close(); x.unlink()"));
        assertThat(shmOpen.stdout()).as(shmOpen.stderr()).isEqualTo("shm ok\n");
        // /dev itself (bwrap's tmpfs, no cap of its own) takes no new files, not even from root
        CommandResult dev = s.commands().run(Command.shellBuilder("dd if=/dev/zero of=/dev/fill bs=1M count=1 2>&1; echo rc=$?").asRoot().build());
        assertThat(dev.stdout()).contains("Read-only file system").contains("rc=1");
        assertThat(s.commands().run(Command.shell("echo ok > /dev/null && echo fine")).stdout()).isEqualTo("fine\n");
    }

    @Test
    void killingASandboxClearsEveryProcessOfItsCgroups() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().pids(64).build());
        // processes that keep replacing themselves: a kill by PID list would always be behind
        s.commands().start(Command.of("bash", "-c", "while :; do (sleep 100 &) ; sleep 0.01; done"));
        Path procs = cgroupFile(s, "pids", "cgroup.procs");
        Path dir = procs.getParent();
        TestSandboxes.await("the churn to start", Duration.ofSeconds(10), () -> readLong(cgroupFile(s, "pids", "pids.current")) > 5);
        s.kill();
        TestSandboxes.await("the sandbox's cgroups to be removed", Duration.ofSeconds(15), () -> !Files.exists(dir));
    }

    @Test
    void cpuQuotaThrottles() throws IOException {
        Sandbox s = sandboxes.create(SandboxSpec.builder().cpus(0.2).build());
        // Spin for CPU time, not wall time, so a busy host cannot starve the loop below its quota.
        CommandResult r = s.commands().run(Command.builder("python3", "-c",
                "import time\nt=time.time()\nwhile time.process_time()<0.3: pass\nprint(time.time()-t)").timeout(Duration.ofSeconds(60)).build());
        double wallSeconds = Double.parseDouble(r.stdout().trim());
        // 0.3 s of CPU at 0.2 cpus takes ~1.5 s of wall time; unthrottled it would take 0.3 s
        assertThat(wallSeconds).isGreaterThan(1.0);
        assertThat(Files.readString(cgroupFile(s, "cpu", "cpu.stat"))).containsPattern("nr_throttled [1-9]");
    }

    @Test
    void outputFloodIsBoundedAndTheCommandStillEnds() {
        Sandbox s = sandboxes.create();
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        CommandResult r = s.commands().run(Command.builder("head", "-c", "200000000", "/dev/zero").timeout(Duration.ofSeconds(60)).build());
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdoutBytes()).hasSize((int) Command.DEFAULT_OUTPUT_LIMIT);
        assertThat(r.stdoutTruncated()).isTrue();
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertThat(after - before).isLessThan(100L << 20);
    }

    @Test
    void timeoutKillsTheWholeProcessGroup() {
        Sandbox s = sandboxes.create();
        CommandResult r = s.commands().run(Command.builder("bash", "-c", "sleep 300 & sleep 300").timeout(Duration.ofMillis(500)).build());
        assertThat(r.reason()).isEqualTo(ExitReason.TIMEOUT);
        TestSandboxes.await("the group to be gone", Duration.ofSeconds(10),
                () -> !s.commands().run(Command.of("pgrep", "sleep")).isSuccess());
    }
}
