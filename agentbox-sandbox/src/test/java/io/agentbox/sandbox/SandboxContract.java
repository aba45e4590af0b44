package io.agentbox.sandbox;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link SandboxProvider} promises, whatever runs the sandbox: lifecycle, commands and files.
 * A provider's test extends this and supplies {@link #provider()}; the local provider and the E2B
 * provider (against {@code agentbox serve}) both run it, so a sandbox behaves the same through either.
 * Paths here are absolute and outside any provider-specific workdir.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SandboxContract {
    private final List<String> created = new CopyOnWriteArrayList<>();

    protected abstract SandboxProvider provider();

    protected Sandbox create(SandboxSpec.Builder spec) {
        Sandbox s = provider().create(spec.build());
        created.add(s.id());
        return s;
    }

    protected Sandbox create() {
        return create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)));
    }

    @AfterEach
    void killCreated() {
        for (String id : created) {
            try {
                provider().kill(id);
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
        created.clear();
    }

    // ---- lifecycle ----

    @Test
    void contractCreateReportsMetadataAndDeadline() {
        Instant before = Instant.now();
        String tag = UUID.randomUUID().toString();
        Sandbox s = create(SandboxSpec.builder().timeout(Duration.ofSeconds(90)).metadata("contract", tag));
        SandboxInfo info = s.info();
        assertThat(info.id()).isEqualTo(s.id());
        assertThat(info.template()).isEqualTo("host");
        assertThat(info.metadata()).containsEntry("contract", tag);
        assertThat(info.expiresAt()).isBetween(before.plusSeconds(88), Instant.now().plusSeconds(92));
    }

    @Test
    void contractListFiltersByMetadataAndConnectFindsById() {
        String tag = UUID.randomUUID().toString();
        Sandbox a = create(SandboxSpec.builder().metadata("contract", tag).metadata("team", "a"));
        Sandbox b = create(SandboxSpec.builder().metadata("contract", tag).metadata("team", "b"));
        assertThat(provider().list(SandboxQuery.metadata(Map.of("contract", tag, "team", "a")))).extracting(SandboxInfo::id)
                .containsExactly(a.id());
        assertThat(provider().list(SandboxQuery.metadata(Map.of("contract", tag)))).extracting(SandboxInfo::id)
                .containsExactlyInAnyOrder(a.id(), b.id());
        Sandbox again = provider().connect(b.id());
        assertThat(again.commands().run(Command.of("echo", "hi")).stdout()).isEqualTo("hi\n");
    }

    @Test
    void contractKilledSandboxesAreNotFound() {
        Sandbox s = create();
        s.commands().start(Command.of("sleep", "1000"));
        String id = s.id();
        s.kill();
        assertThat(provider().list(SandboxQuery.ALL)).extracting(SandboxInfo::id).doesNotContain(id);
        assertThatThrownBy(() -> provider().connect(id)).isInstanceOf(SandboxNotFoundException.class);
        assertThatThrownBy(() -> s.commands().run(Command.of("true"))).isInstanceOf(SandboxException.class);
        assertThat(provider().kill(id)).isFalse();
    }

    @Test
    void contractSetTimeoutMovesTheDeadline() {
        Sandbox s = create(SandboxSpec.builder().timeout(Duration.ofSeconds(30)));
        s.setTimeout(Duration.ofMinutes(10));
        assertThat(s.info().expiresAt()).isAfter(Instant.now().plusSeconds(590));
        s.setTimeout(Duration.ofSeconds(1));
        TestSandboxes.await("the shortened sandbox to end", Duration.ofSeconds(20),
                () -> provider().list(SandboxQuery.ALL).stream().noneMatch(i -> i.id().equals(s.id())));
    }

    // ---- commands ----

    @Test
    void contractExitCodesOutputAndArgvAsData() {
        Sandbox s = create();
        CommandResult r = s.commands().run(Command.shell("echo out; echo err >&2; exit 7"));
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.reason()).isEqualTo(ExitReason.EXITED);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        CommandResult echo = s.commands().run(Command.of("echo", "$(id)", "`uname`", "a;b", "'q'\"", "ünï"));
        assertThat(echo.stdout()).isEqualTo("$(id) `uname` a;b 'q'\" ünï\n");
        assertThat(echo.isSuccess()).isTrue();
    }

    @Test
    void contractCwdEnvStdinAndUsers() {
        Sandbox s = create(SandboxSpec.builder().env("FROM_SPEC", "spec"));
        s.files().mkdir("/tmp/contract-cwd");
        CommandResult r = s.commands().run(Command.shellBuilder("pwd; echo $FROM_SPEC $FROM_CMD; cat")
                .cwd("/tmp/contract-cwd").env("FROM_CMD", "cmd").stdin("piped\ninput").build());
        assertThat(r.stdout()).isEqualTo("/tmp/contract-cwd\nspec cmd\npiped\ninput");
        assertThat(s.commands().run(Command.of("id", "-un")).stdout()).isEqualTo("user\n");
        assertThat(s.commands().run(Command.builder("id", "-u").asRoot().build()).stdout()).isEqualTo("0\n");
    }

    @Test
    void contractOutputStreamsWhileTheCommandRuns() throws Exception {
        Sandbox s = create();
        CountDownLatch first = new CountDownLatch(1);
        List<String> chunks = new CopyOnWriteArrayList<>();
        CommandHandle h = s.commands().start(Command.shellBuilder("echo first; read line; echo second $line")
                .onStdout(OutputListener.text(t -> {
                    chunks.add(t);
                    first.countDown();
                })).build());
        assertThat(first.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(h.await(Duration.ofMillis(50))).isEmpty();
        h.sendStdin("go\n");
        CommandResult r = h.await();
        assertThat(r.exitCode()).isZero();
        assertThat(String.join("", chunks)).isEqualTo("first\nsecond go\n");
        assertThat(r.stdout()).isEqualTo("first\nsecond go\n");
    }

    @Test
    void contractTimeoutIsTyped() {
        CommandResult r = create().commands().run(Command.builder("sleep", "30").timeout(Duration.ofMillis(700)).build());
        assertThat(r.reason()).isEqualTo(ExitReason.TIMEOUT);
        assertThat(r.duration()).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void contractBackgroundProcessesAreListedFedAndKilled() {
        Sandbox s = create();
        CommandHandle cat = s.commands().start(Command.of("cat"));
        CommandHandle sleeper = s.commands().start(Command.of("sleep", "1000"));
        assertThat(s.commands().list()).filteredOn(ProcessInfo::running).extracting(ProcessInfo::pid).contains(cat.pid(), sleeper.pid());
        assertThat(s.commands().list()).filteredOn(p -> p.pid() == sleeper.pid()).first()
                .satisfies(p -> assertThat(p.argv()).containsExactly("sleep", "1000"));
        cat.sendStdin("echoed back");
        cat.closeStdin();
        assertThat(cat.await().stdout()).isEqualTo("echoed back");
        assertThat(s.commands().kill(sleeper.pid())).isTrue();
        assertThat(sleeper.await().reason()).isIn(ExitReason.KILLED, ExitReason.SIGNALED);
        assertThat(s.commands().list()).filteredOn(p -> p.pid() == sleeper.pid()).allSatisfy(p -> assertThat(p.running()).isFalse());
        assertThat(s.commands().kill(sleeper.pid())).isFalse();
    }

    @Test
    void contractABackgroundProcessCanBeReattached() {
        Sandbox s = create();
        CommandHandle h = s.commands().start(Command.shell("read x; echo late $x"));
        StringBuilder seen = new StringBuilder();
        CommandHandle again = provider().connect(s.id()).commands()
                .connect(h.pid(), OutputListener.text(seen::append), OutputListener.NONE);
        again.sendStdin("now\n");
        CommandResult r = again.await();
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).endsWith("late now\n");
    }

    @Test
    void contractBinaryOutputIsByteExact() {
        CommandResult r = create().commands().run(Command.of("printf", "\\000\\001\\377\\n"));
        assertThat(r.stdoutBytes()).containsExactly(0, 1, 0xff, '\n');
    }

    @Test
    void contractOutputBeyondTheLimitIsTruncatedAndFlagged() {
        CommandResult r = create().commands().run(Command.builder("head", "-c", "300000", "/dev/zero").outputLimit(1000).build());
        assertThat(r.stdoutBytes()).hasSize(1000);
        assertThat(r.stdoutTruncated()).isTrue();
    }

    // ---- files ----

    @Test
    void contractFilesReadWriteListStatMoveRemove() throws IOException {
        Filesystem f = create().files();
        f.write("/tmp/c/a.txt", "hello");
        f.write("/tmp/c/b.bin", new byte[]{0, 1, (byte) 0xff});
        byte[] big = new byte[2 * 1024 * 1024];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        f.write("/tmp/c/big", new ByteArrayInputStream(big));
        assertThat(f.readText("/tmp/c/a.txt")).isEqualTo("hello");
        assertThat(f.read("/tmp/c/b.bin")).containsExactly(0, 1, 0xff);
        try (InputStream in = f.openRead("/tmp/c/big")) {
            assertThat(in.readAllBytes()).isEqualTo(big);
        }
        assertThat(f.list("/tmp/c")).extracting(FileInfo::name).containsExactly("a.txt", "b.bin", "big");
        FileInfo a = f.stat("/tmp/c/a.txt");
        assertThat(a.type()).isEqualTo(FileInfo.Type.FILE);
        assertThat(a.size()).isEqualTo(5);
        assertThat(a.path()).isEqualTo("/tmp/c/a.txt");
        assertThat(f.stat("/tmp/c").isDirectory()).isTrue();
        assertThat(f.exists("/tmp/c/a.txt")).isTrue();
        assertThat(f.exists("/tmp/c/none")).isFalse();
        f.mkdir("/tmp/c/d/e");
        f.mkdir("/tmp/c/d/e");
        assertThat(f.stat("/tmp/c/d/e").isDirectory()).isTrue();
        f.move("/tmp/c/a.txt", "/tmp/c/d/moved.txt");
        assertThat(f.exists("/tmp/c/a.txt")).isFalse();
        assertThat(f.readText("/tmp/c/d/moved.txt")).isEqualTo("hello");
        f.remove("/tmp/c/d");
        f.remove("/tmp/c/d");
        assertThat(f.exists("/tmp/c/d")).isFalse();
    }

    @Test
    void contractFileErrorsAreTyped() {
        Filesystem f = create().files();
        assertThatThrownBy(() -> f.read("/tmp/none")).isInstanceOfSatisfying(SandboxFileException.class,
                e -> assertThat(e.reason()).isEqualTo(SandboxFileException.Reason.NOT_FOUND));
        assertThatThrownBy(() -> f.stat("/tmp/none")).isInstanceOfSatisfying(SandboxFileException.class,
                e -> assertThat(e.reason()).isEqualTo(SandboxFileException.Reason.NOT_FOUND));
        assertThatThrownBy(() -> f.write("/tmp/../etc/x", "x")).isInstanceOfSatisfying(SandboxFileException.class,
                e -> assertThat(e.reason()).isEqualTo(SandboxFileException.Reason.REFUSED));
    }

    @Test
    void contractCopyInAndOutKeepTreesAndNeverFollowLinks(@TempDir Path tmp) throws IOException {
        Sandbox s = create();
        Path src = java.nio.file.Files.createDirectories(tmp.resolve("src/sub"));
        java.nio.file.Files.writeString(src.resolve("f.txt"), "in sub");
        java.nio.file.Files.writeString(tmp.resolve("src/top.txt"), "top");
        java.nio.file.Files.createSymbolicLink(tmp.resolve("src/link"), Path.of("/etc/hostname"));
        s.files().copyIn(tmp.resolve("src"), "/tmp/tree");
        assertThat(s.files().readText("/tmp/tree/sub/f.txt")).isEqualTo("in sub");
        assertThat(s.files().stat("/tmp/tree/link").type()).isEqualTo(FileInfo.Type.SYMLINK);

        s.files().copyOut("/tmp/tree", tmp.resolve("out"));
        assertThat(java.nio.file.Files.readString(tmp.resolve("out/top.txt"))).isEqualTo("top");
        assertThat(java.nio.file.Files.readString(tmp.resolve("out/sub/f.txt"))).isEqualTo("in sub");
        assertThat(tmp.resolve("out/link")).doesNotExist();
        List<String> names = new ArrayList<>();
        try (var l = java.nio.file.Files.list(tmp.resolve("out"))) {
            l.forEach(p -> names.add(p.getFileName().toString()));
        }
        assertThat(names).containsExactlyInAnyOrder("sub", "top.txt");
        assertThat(new String(s.files().read("/tmp/tree/top.txt"), StandardCharsets.UTF_8)).isEqualTo("top");
    }
}
