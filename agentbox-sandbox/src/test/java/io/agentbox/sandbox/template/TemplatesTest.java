package io.agentbox.sandbox.template;

import io.agentbox.sandbox.local.HostFiles;
import io.agentbox.ErrorCategory;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.TestSandboxes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real builds with debootstrap and bubblewrap (root, debootstrap and network to a Debian mirror needed).
 * One debootstrap per run: the fixture template {@code tiny} is built once, and every other build here
 * reuses its debootstrap base.
 */
class TemplatesTest {
    private static final String TINY = """
            name = "tiny"
            packages = ["jq"]
            env = { GREETING = "hello from the template" }
            run = ["echo \\"$GREETING\\" > /opt/marker && jq --version >> /opt/marker"]
            [[files]]
            src = "files/greeting.txt"
            dst = "/etc/agentbox-test/greeting.txt"
            mode = "0640"
            [[files]]
            src = "files/bashrc"
            dst = "/home/user/.bashrc"
            """;

    /** Sandboxes on a short data dir (unix socket paths are limited), which holds the templates too. */
    @RegisterExtension
    static final TestSandboxes sandboxes = new TestSandboxes();

    private static Path home;
    private static Path specDir;
    private static Templates templates;
    private static TemplateInfo tiny;
    private static final Recorder firstBuild = new Recorder();

    /** Every listener call, in order, as text. */
    static final class Recorder implements BuildListener {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final List<String> output = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void step(int n, int total, String description) {
            events.add("step " + n + "/" + total + " " + description);
        }

        @Override
        public void output(String line) {
            output.add(line);
        }

        @Override
        public void cached(TemplateInfo template) {
            events.add("cached " + template.name());
        }

        @Override
        public void done(Duration elapsed) {
            events.add("done");
        }
    }

    @BeforeAll
    static void buildTheFixtureTemplate() throws IOException {
        home = sandboxes.home();
        specDir = Files.createDirectories(home.resolve("specs"));
        Files.createDirectories(specDir.resolve("files"));
        Files.writeString(specDir.resolve("files/greeting.txt"), "hi\n");
        Files.writeString(specDir.resolve("files/bashrc"), "export FROM_TEMPLATE_BASHRC=1\n");
        templates = new Templates(home);
        tiny = templates.build(Files.writeString(specDir.resolve("tiny.toml"), TINY), firstBuild);
    }

    @AfterAll
    static void deleteTemplates() throws IOException {
        HostFiles.deleteTree(home.resolve("templates"));
        HostFiles.deleteTree(specDir);
    }

    private static Path rootfs(TemplateInfo info) {
        return info.rootfs().orElseThrow();
    }

    @Test
    void buildInstallsPackagesFilesAndRunOutputAndRecordsTheTemplate() throws IOException {
        Path rootfs = home.resolve("templates/tiny/rootfs");
        assertThat(tiny.name()).isEqualTo("tiny");
        assertThat(tiny.kind()).isEqualTo(TemplateInfo.Kind.ROOTFS);
        assertThat(tiny.builtIn()).isFalse();
        assertThat(tiny.rootfs()).contains(rootfs);
        assertThat(tiny.hash()).isEqualTo(TemplateSpec.parse(specDir.resolve("tiny.toml")).hash());
        assertThat(tiny.env()).isEqualTo(Map.of("GREETING", "hello from the template"));
        assertThat(tiny.sizeBytes()).isGreaterThan(10_000_000);

        assertThat(rootfs.resolve("usr/bin/jq")).isExecutable();
        // the run command saw the spec's env and the installed package
        assertThat(Files.readString(rootfs.resolve("opt/marker"))).startsWith("hello from the template\njq-");
        Path greeting = rootfs.resolve("etc/agentbox-test/greeting.txt");
        assertThat(greeting).hasContent("hi");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(greeting))).isEqualTo("rw-r-----");

        assertThat(Files.readString(home.resolve("templates/tiny/template.json")))
                .contains("\"name\" : \"tiny\"", "\"kind\" : \"rootfs\"", "\"hash\" : \"" + tiny.hash() + "\"", "\"GREETING\" : \"hello from the template\"");
        assertThat(templates.resolve("tiny")).contains(tiny);
    }

    @Test
    void everyRootfsGetsTheFixUpsTheProviderNeeds() throws IOException {
        Path rootfs = rootfs(tiny);
        for (String dir : List.of("workspace", "home/user", "tmp", "root", "run", "proc", "dev")) {
            assertThat(rootfs.resolve(dir)).as(dir).isDirectory();
        }
        assertThat(Files.readAllLines(rootfs.resolve("etc/passwd")))
                .anyMatch(l -> l.startsWith("root:x:0:0:"))
                .contains("user:x:1000:1000::/home/user:/bin/bash");
        assertThat(Files.readAllLines(rootfs.resolve("etc/group"))).anyMatch(l -> l.startsWith("root:x:0:")).contains("user:x:1000:");
        assertThat(Files.getAttribute(rootfs.resolve("home/user"), "unix:uid")).isEqualTo(1000);
        assertThat(rootfs.resolve("etc/resolv.conf")).isRegularFile().isEmptyFile();
        assertThat(rootfs.resolve("etc/hosts")).content().contains("localhost");
        assertThat(rootfs.resolve("usr/bin/bash")).isExecutable();
        // apt caches are cleaned to keep templates small
        try (Stream<Path> lists = Files.list(rootfs.resolve("var/lib/apt/lists"))) {
            assertThat(lists).isEmpty();
        }
        try (Stream<Path> debs = Files.list(rootfs.resolve("var/cache/apt/archives"))) {
            assertThat(debs).noneMatch(p -> p.toString().endsWith(".deb"));
        }
    }

    @Test
    void buildReportsNumberedStepsWithTheirOutputThenDone() {
        List<String> events = List.copyOf(firstBuild.events);
        assertThat(events).containsExactly(
                "step 1/4 debootstrap bookworm (minbase + 1 package)",
                "step 2/4 copy 2 files",
                "step 3/4 run: echo \"$GREETING\" > /opt/marker && jq --version >> /opt/marker",
                "step 4/4 finalize: user, directories, clean caches",
                "done");
        assertThat(firstBuild.output).anyMatch(l -> l.contains("Base system installed successfully"));
    }

    @Test
    void rebuildingAnUnchangedSpecIsACacheHit() {
        Recorder again = new Recorder();
        TemplateInfo second = templates.build(specDir.resolve("tiny.toml"), again);
        assertThat(second).isEqualTo(tiny);
        assertThat(again.events).containsExactly("cached tiny", "done");
    }

    @Test
    void listsHostFirstThenBuiltTemplates() {
        List<TemplateInfo> all = templates.list();
        assertThat(all.get(0)).isEqualTo(TemplateInfo.HOST);
        assertThat(all.get(0).builtIn()).isTrue();
        assertThat(all.get(0).kind()).isEqualTo(TemplateInfo.Kind.HOST);
        assertThat(all.get(0).rootfs()).isEmpty();
        assertThat(all).contains(tiny);
        assertThat(templates.resolve("host")).contains(TemplateInfo.HOST);
        assertThat(templates.resolve("missing")).isEmpty();
        assertThat(templates.resolve("../templates/tiny")).isEmpty();
    }

    @Test
    void editingACopiedFileRebuildsAndReplacesTheTemplate() throws IOException {
        Path dir = Files.createDirectories(specDir.resolve("edited"));
        Files.writeString(dir.resolve("motd"), "version 1\n");
        Path spec = Files.writeString(dir.resolve("spec.toml"), """
                name = "edited"
                packages = ["jq"]
                [[files]]
                src = "motd"
                dst = "/etc/motd"
                """);
        TemplateInfo first = templates.build(spec, BuildListener.NONE);
        assertThat(rootfs(first).resolve("etc/motd")).hasContent("version 1");

        Files.writeString(dir.resolve("motd"), "version 2\n");
        Recorder rebuild = new Recorder();
        TemplateInfo second = templates.build(spec, rebuild);
        assertThat(rebuild.events).doesNotContain("cached edited").contains("done");
        assertThat(second.hash()).isNotEqualTo(first.hash());
        assertThat(templates.resolve("edited")).contains(second);
        assertThat(rootfs(second).resolve("etc/motd")).hasContent("version 2");
        assertThat(leftovers()).isEmpty();

        assertThat(templates.remove("edited")).isTrue();
        assertThat(templates.resolve("edited")).isEmpty();
        assertThat(home.resolve("templates/edited")).doesNotExist();
        assertThat(templates.remove("edited")).isFalse();
        assertThat(leftovers()).isEmpty();
        // the debootstrap base stays while the fixture template uses it
        assertThat(bases()).hasSize(1);
    }

    @Test
    void aFailingRunStepFailsWithItsOutputAndLeavesNothingBehind() {
        Path spec = write("broken.toml", """
                name = "broken"
                packages = ["jq"]
                run = ["echo fine", "echo 'about to fail'; echo 'the reason' >&2; exit 7"]
                """);
        assertThatThrownBy(() -> templates.build(spec, BuildListener.NONE))
                .isInstanceOfSatisfying(TemplateBuildException.class, e -> {
                    assertThat(e.category()).isEqualTo(ErrorCategory.SANDBOX_ERROR);
                    assertThat(e.template()).isEqualTo("broken");
                    assertThat(e.step()).isEqualTo(3);
                    assertThat(e.stepDescription()).startsWith("run: echo 'about to fail'");
                    assertThat(e.outputTail()).containsExactly("about to fail", "the reason");
                })
                .hasMessageContainingAll("step 3/4", "exit code 7", "about to fail\nthe reason");
        assertThat(templates.resolve("broken")).isEmpty();
        assertThat(home.resolve("templates/broken")).doesNotExist();
        assertThat(leftovers()).isEmpty();
        assertThat(processesUnder(home)).isEmpty();
    }

    @Test
    void interruptingTheCallerCancelsTheBuildAndCleansUp() {
        Path spec = write("slow.toml", """
                name = "slow"
                packages = ["jq"]
                run = ["sleep 120"]
                """);
        Thread caller = Thread.currentThread();
        AtomicReference<String> interruptedAt = new AtomicReference<>();
        BuildListener interruptOnRun = new BuildListener() {
            @Override
            public void step(int n, int total, String description) {
                if (description.startsWith("run: sleep")) {
                    interruptedAt.set(description);
                    caller.interrupt();
                }
            }
        };
        try {
            assertThatThrownBy(() -> templates.build(spec, interruptOnRun))
                    .isInstanceOfSatisfying(TemplateException.class, e -> assertThat(e.category()).isEqualTo(ErrorCategory.CANCELED))
                    .hasMessageContaining("canceled during step 2/3 (run: sleep 120)");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(interruptedAt.get()).isNotNull();
        assertThat(home.resolve("templates/slow")).doesNotExist();
        assertThat(leftovers()).isEmpty();
        assertThat(processesUnder(home)).isEmpty();
    }

    /**
     * Processes whose arguments name a path under {@code dir}, wherever they are in the process tree; but
     * for the data dir's egress service, shared by every networked sandbox of it and ending by itself.
     */
    private static List<String> processesUnder(Path dir) {
        return ProcessHandle.allProcesses()
                .flatMap(h -> h.info().commandLine().stream())
                .filter(cmd -> cmd.contains(dir.toString()) && !cmd.contains("io.agentbox.sandbox.net.EgressDaemon"))
                .toList();
    }

    @Test
    void sandboxesRunOnTheTemplateWithItsEnvironmentAsUser() {
        Sandbox sbx = sandboxes.create(SandboxSpec.builder().template("tiny").timeout(Duration.ofMinutes(2)).build());
        CommandResult jq = sbx.commands().run(Command.of("jq", "--version"));
        assertThat(jq.exitCode()).as(jq.stderr()).isZero();
        assertThat(jq.stdout()).startsWith("jq-");
        CommandResult env = sbx.commands().run(Command.shell("echo \"$GREETING\"; id -un; cat /opt/marker"));
        assertThat(env.exitCode()).as(env.stderr()).isZero();
        assertThat(env.stdout()).startsWith("hello from the template\nuser\nhello from the template\njq-");
        // the spec's mode 0640 on a root-owned file holds inside the sandbox
        assertThat(sbx.commands().run(Command.of("cat", "/etc/agentbox-test/greeting.txt")).stderr()).contains("Permission denied");
        // files the spec put in the user's home are there, in the sandbox's writable home, owned by the user
        assertThat(sbx.commands().run(Command.shell("stat -c %U ~/.bashrc; cat ~/.bashrc")).stdout())
                .isEqualTo("user\nexport FROM_TEMPLATE_BASHRC=1\n");
    }

    @Test
    void aTemplateInUseIsNeitherRemovedNorPulledFromUnderItsSandbox() throws IOException {
        Path dir = Files.createDirectories(specDir.resolve("inuse"));
        Files.writeString(dir.resolve("motd"), "version 1\n");
        Path spec = Files.writeString(dir.resolve("spec.toml"), """
                name = "inuse"
                packages = ["jq"]
                [[files]]
                src = "motd"
                dst = "/etc/motd"
                """);
        templates.build(spec, BuildListener.NONE);
        Sandbox sbx = sandboxes.create(SandboxSpec.builder().template("inuse").timeout(Duration.ofMinutes(2)).build());

        assertThatThrownBy(() -> templates.remove("inuse"))
                .isInstanceOfSatisfying(TemplateException.class, e -> assertThat(e.category()).isEqualTo(ErrorCategory.SANDBOX_ERROR))
                .hasMessageContaining("in use by a running sandbox");
        assertThat(templates.resolve("inuse")).isPresent();

        // a rebuild takes the name at once; the running sandbox keeps its files
        Files.writeString(dir.resolve("motd"), "version 2\n");
        TemplateInfo rebuilt = templates.build(spec, BuildListener.NONE);
        assertThat(rootfs(rebuilt).resolve("etc/motd")).hasContent("version 2");
        assertThat(sbx.commands().run(Command.of("cat", "/etc/motd")).stdout()).isEqualTo("version 1\n");
        assertThat(leftovers()).singleElement().asString().startsWith(".old-inuse-");

        sbx.kill();
        TestSandboxes.await("the retired template to be removable", Duration.ofSeconds(10), () -> {
            try {
                return templates.remove("inuse");
            } catch (TemplateException stillMounted) {
                return false;
            }
        });
        assertThat(home.resolve("templates/inuse")).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void hostCannotBeRemovedAndUnknownNamesAreNotFound() {
        assertThatThrownBy(() -> templates.remove("host"))
                .isInstanceOfSatisfying(TemplateException.class, e -> assertThat(e.category()).isEqualTo(ErrorCategory.CONFIG))
                .hasMessageContaining("'host' cannot be removed");
        assertThat(templates.remove("no-such-template")).isFalse();
        assertThat(templates.remove("../specs")).isFalse();
        assertThat(specDir).isDirectory();
    }

    private static Path write(String name, String toml) {
        try {
            return Files.writeString(specDir.resolve(name), toml);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Work directories of builds and retired templates. */
    private static List<String> leftovers() {
        try (Stream<Path> entries = Files.list(home.resolve("templates"))) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".build-") || n.startsWith(".old-")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Path> bases() throws IOException {
        try (Stream<Path> entries = Files.list(home.resolve("templates"))) {
            return entries.filter(p -> p.getFileName().toString().startsWith(".base-") && Files.isDirectory(p)).toList();
        }
    }
}
