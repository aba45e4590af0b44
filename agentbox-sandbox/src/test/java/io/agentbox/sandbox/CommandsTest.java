package io.agentbox.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandsTest {
    @RegisterExtension
    static TestSandboxes sandboxes = new TestSandboxes();

    @Test
    void argvAndShellCommandsWithExitCodesAndStderr() {
        Sandbox s = sandboxes.create();
        CommandResult r = s.commands().run(Command.shell("echo out; echo err >&2; exit 7"));
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.reason()).isEqualTo(ExitReason.EXITED);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.isSuccess()).isFalse();

        // argv elements are data: nothing in them is interpreted by a shell
        CommandResult echo = s.commands().run(Command.of("echo", "$(id)", "`uname`", "a;b", "'q'\"", "ünï"));
        assertThat(echo.stdout()).isEqualTo("$(id) `uname` a;b 'q'\" ünï\n");
    }

    @Test
    void missingProgramIs127WithAClearMessage() {
        CommandResult r = sandboxes.create().commands().run(Command.of("no-such-program"));
        assertThat(r.exitCode()).isEqualTo(127);
        assertThat(r.stderr()).contains("cannot run 'no-such-program'");
    }

    @Test
    void cwdEnvAndStdin() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().env("FROM_SPEC", "spec").build());
        s.files().mkdir("/workspace/sub");
        CommandResult r = s.commands().run(Command.shellBuilder("pwd; echo $FROM_SPEC $FROM_CMD; cat")
                .cwd("sub").env("FROM_CMD", "cmd").stdin("piped\ninput").build());
        assertThat(r.stdout()).isEqualTo("/workspace/sub\nspec cmd\npiped\ninput");

        CommandResult env = s.commands().run(Command.of("env"));
        assertThat(env.stdout()).contains("HOME=/home/user", "USER=user", "PATH=/usr/local/sbin:");
        CommandResult root = s.commands().run(Command.builder("sh", "-c", "id -u; echo $HOME").asRoot().build());
        assertThat(root.stdout()).isEqualTo("0\n/root\n");
    }

    @Test
    void outputStreamsWhileTheCommandRuns() throws Exception {
        Sandbox s = sandboxes.create();
        CountDownLatch first = new CountDownLatch(1);
        List<String> chunks = new CopyOnWriteArrayList<>();
        CommandHandle h = s.commands().start(Command.shellBuilder("echo first; read line; echo second $line")
                .onStdout(OutputListener.text(t -> {
                    chunks.add(t);
                    first.countDown();
                })).build());
        // the command is blocked on stdin, yet its first line has already arrived
        assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(chunks).containsExactly("first\n");
        assertThat(h.await(Duration.ofMillis(50))).isEmpty();
        h.sendStdin("go\n");
        CommandResult r = h.await();
        assertThat(r.exitCode()).isZero();
        assertThat(String.join("", chunks)).isEqualTo("first\nsecond go\n");
        assertThat(r.stdout()).isEqualTo("first\nsecond go\n");
    }

    @Test
    void perCommandTimeoutIsTyped() {
        CommandResult r = sandboxes.create().commands().run(Command.builder("sleep", "30").timeout(Duration.ofMillis(500)).build());
        assertThat(r.reason()).isEqualTo(ExitReason.TIMEOUT);
        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(r.duration()).isLessThan(Duration.ofSeconds(10));
        assertThat(r.limitMessage()).hasValueSatisfying(m -> assertThat(m).startsWith("killed: timeout after "));
    }

    @Test
    void aCommandEndsWhenItsProcessExitsEvenIfItLeftChildrenBehind() {
        Sandbox s = sandboxes.create();
        CommandResult r = s.commands().run(Command.builder("bash", "-c", "sleep 1000 & echo started")
                .timeout(Duration.ofSeconds(20)).build());
        assertThat(r.reason()).isEqualTo(ExitReason.EXITED);
        assertThat(r.stdout()).isEqualTo("started\n");
        assertThat(s.commands().run(Command.shell("pgrep -c sleep")).stdout().trim()).isEqualTo("1");
    }

    @Test
    void backgroundProcessesCanBeListedFedWaitedAndKilled() {
        Sandbox s = sandboxes.create();
        CommandHandle cat = s.commands().start(Command.of("cat"));
        CommandHandle sleeper = s.commands().start(Command.of("sleep", "1000"));
        assertThat(s.commands().list()).filteredOn(ProcessInfo::running).extracting(ProcessInfo::pid)
                .contains(cat.pid(), sleeper.pid());
        assertThat(s.commands().list()).filteredOn(p -> p.pid() == sleeper.pid()).first()
                .satisfies(p -> assertThat(p.argv()).containsExactly("sleep", "1000"));

        cat.sendStdin("echoed back");
        cat.closeStdin();
        CommandResult r = cat.await();
        assertThat(r.stdout()).isEqualTo("echoed back");

        assertThat(s.commands().kill(sleeper.pid())).isTrue();
        assertThat(sleeper.await().reason()).isEqualTo(ExitReason.KILLED);
        assertThat(s.commands().list()).filteredOn(p -> p.pid() == sleeper.pid()).first()
                .satisfies(p -> assertThat(p.running()).isFalse());
        assertThat(s.commands().kill(sleeper.pid())).isFalse();
    }

    @Test
    void backgroundProcessOutlivesItsHandleAndCanBeReattached() {
        Sandbox s = sandboxes.create();
        CommandHandle h = s.commands().start(Command.shell("echo early; read x; echo late $x"));
        int pid = h.pid();
        TestSandboxes.await("early output", Duration.ofSeconds(10), () -> s.commands().list().stream().anyMatch(p -> p.pid() == pid));

        // another client attaches (as another JVM would): it takes over the process
        StringBuilder seen = new StringBuilder();
        CommandHandle again = sandboxes.provider().connect(s.id()).commands()
                .connect(pid, OutputListener.text(seen::append), OutputListener.NONE);
        again.sendStdin("now\n");
        CommandResult r = again.await();
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).endsWith("late now\n");
    }

    @Test
    void aServerStartedInTheBackgroundIsReachableOnLoopbackByTheNextCommand() {
        Sandbox s = sandboxes.create();
        s.files().write("/workspace/index.html", "hello from the sandbox");
        s.commands().start(Command.of("python3", "-m", "http.server", "8765", "--bind", "127.0.0.1"));
        Command fetch = Command.of("python3", "-c",
                "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:8765/index.html',timeout=2).read().decode())");
        TestSandboxes.await("the server to answer", Duration.ofSeconds(20), () -> s.commands().run(fetch).isSuccess());
        assertThat(s.commands().run(fetch).stdout()).isEqualTo("hello from the sandbox\n");
    }

    @Test
    void outputBeyondTheCapIsTruncatedAndFlagged() {
        Sandbox s = sandboxes.create();
        CommandResult r = s.commands().run(Command.builder("head", "-c", "5000000", "/dev/zero").outputLimit(100_000).build());
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdoutBytes()).hasSize(100_000);
        assertThat(r.stdoutTruncated()).isTrue();
        assertThat(r.stderrTruncated()).isFalse();

        CommandResult small = s.commands().run(Command.of("echo", "small"));
        assertThat(small.stdoutTruncated()).isFalse();
    }

    @Test
    void listenersSeeEveryByteEvenBeyondTheCap() {
        Sandbox s = sandboxes.create();
        long[] seen = {0};
        CommandResult r = s.commands().run(Command.builder("head", "-c", "3000000", "/dev/urandom").outputLimit(1000)
                .onStdout((b, off, len) -> seen[0] += len).build());
        assertThat(seen[0]).isEqualTo(3_000_000);
        assertThat(r.stdoutBytes()).hasSize(1000);
    }

    @Test
    void binaryOutputIsByteExact() {
        Sandbox s = sandboxes.create();
        CommandResult r = s.commands().run(Command.of("printf", "\\000\\001\\377\\n"));
        assertThat(r.stdoutBytes()).containsExactly(0, 1, 0xff, '\n');
        assertThat(new String(r.stdoutBytes(), StandardCharsets.ISO_8859_1)).hasSize(4);
    }

    @Test
    void interruptingTheCallerKillsAForegroundCommand() throws Exception {
        Sandbox s = sandboxes.create();
        Thread t = Thread.ofVirtual().start(() -> s.commands().run(Command.of("sleep", "300")));
        TestSandboxes.await("sleep to start", Duration.ofSeconds(10),
                () -> s.commands().list().stream().anyMatch(ProcessInfo::running));
        t.interrupt();
        t.join(Duration.ofSeconds(10));
        assertThat(t.isAlive()).isFalse();
        TestSandboxes.await("sleep to be killed", Duration.ofSeconds(10),
                () -> s.commands().list().stream().noneMatch(ProcessInfo::running));
    }

    @Test
    void emptyArgvAndBadUsersAreRejected() {
        assertThatThrownBy(() -> Command.of(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.builder("id").user("admin").build()).hasMessageContaining("user must be");
    }
}
