package io.agentbox.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Sandboxes belong to no JVM: addressable from any process, and cleaned up by their deadline even after a crash. */
class CrossProcessTest {
    @RegisterExtension
    static TestSandboxes sandboxes = new TestSandboxes();

    static final String SECRET = "orchestrator-secret-4c9e1b";

    private Process spawnCreator(String timeout) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CreateSandboxMain.class.getName(),
                sandboxes.home().toString(), timeout);
        pb.environment().put("AGENTBOX_TEST_SECRET", SECRET);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        return pb.start();
    }

    @Test
    void aSandboxCreatedByACrashedJvmStaysUsableAndDiesAtItsDeadlineLeavingNothing() throws Exception {
        Process creator = spawnCreator("20s"); // long enough for a loaded host to start the child JVM and reach the checks
        String id;
        try {
            id = new BufferedReader(new InputStreamReader(creator.getInputStream())).readLine();
        } finally {
            creator.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup by the creator
            creator.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(id).matches("sbx_[a-z0-9]{20}");
        assertThat(creator.isAlive()).isFalse();

        // another process (this one) addresses it by id
        Sandbox s = sandboxes.provider().connect(id);
        assertThat(s.info().metadata()).containsEntry("creator", "child");
        assertThat(s.commands().run(Command.of("pgrep", "-c", "sleep")).stdout()).isEqualTo("1\n");
        // the creator's environment is nowhere in the sandbox, not even for its root
        CommandResult env = s.commands().run(Command.builder("bash", "-c", "env; cat /proc/*/environ 2>/dev/null").asRoot().build());
        assertThat(env.stdout()).doesNotContain(SECRET);

        TestSandboxes.await("the deadline to end " + id, Duration.ofSeconds(60),
                () -> !Files.exists(sandboxes.home().resolve("sandboxes").resolve(id)) && Traces.of(id).isEmpty());
        assertThat(sandboxes.provider().list(SandboxQuery.ALL)).extracting(SandboxInfo::id).doesNotContain(id);
    }

    @Test
    void aCrashedSupervisorIsCleanedUpByTheNextStart() throws Exception {
        Sandbox s = sandboxes.create();
        String id = s.id();
        long supervisor = Long.parseLong(Files.readString(sandboxes.home().resolve("sandboxes").resolve(id).resolve("pid")).trim());
        ProcessHandle.of(supervisor).orElseThrow().destroyForcibly();
        // bwrap dies with its parent (--die-with-parent), so the sandbox ends; its traces wait for a sweep
        TestSandboxes.await("the sandbox to end with its supervisor", Duration.ofSeconds(10),
                () -> Traces.of(id).stream().noneMatch(t -> t.startsWith("process")));
        Path dir = sandboxes.home().resolve("sandboxes").resolve(id);
        Files.setLastModifiedTime(dir, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        Sandboxes.local(sandboxes.home()).list(SandboxQuery.ALL); // a new provider's first use sweeps
        assertThat(dir).doesNotExist();
        assertThat(Traces.of(id)).isEmpty();
    }
}
