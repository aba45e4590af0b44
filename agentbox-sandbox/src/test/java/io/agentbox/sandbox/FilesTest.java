package io.agentbox.sandbox;

import io.agentbox.sandbox.SandboxFileException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FilesTest {
    @RegisterExtension
    static TestSandboxes sandboxes = new TestSandboxes();

    @TempDir
    Path host;

    @Test
    void textAndBytesRoundTrip() {
        Sandbox s = sandboxes.create();
        s.files().write("/workspace/notes.txt", "héllo\nworld");
        assertThat(s.files().readText("notes.txt")).isEqualTo("héllo\nworld");
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) all[i] = (byte) i;
        s.files().write("deep/er/bin.dat", all);
        assertThat(s.files().read("/workspace/deep/er/bin.dat")).isEqualTo(all);
        assertThat(s.commands().run(Command.of("wc", "-c", "deep/er/bin.dat")).stdout()).startsWith("256 ");
        assertThat(s.commands().run(Command.of("stat", "-c", "%U", "notes.txt")).stdout()).isEqualTo("user\n");
    }

    @Test
    void largeFilesStreamBothWays() throws IOException {
        Sandbox s = sandboxes.create();
        byte[] data = new byte[20 << 20];
        new Random(42).nextBytes(data);
        s.files().write("/tmp/big", data);
        try (InputStream in = s.files().openRead("/tmp/big")) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        assertThat(s.files().stat("/tmp/big").size()).isEqualTo(data.length);
    }

    @Test
    void listStatMkdirMoveRemoveExists() {
        Sandbox s = sandboxes.create();
        s.files().mkdir("a/b/c");
        s.files().mkdir("a/b/c"); // idempotent
        s.files().write("a/one.txt", "1");
        s.files().write("a/b/two.txt", "22");
        assertThat(s.files().list("a")).extracting(FileInfo::name, FileInfo::type)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("b", FileInfo.Type.DIRECTORY),
                        org.assertj.core.groups.Tuple.tuple("one.txt", FileInfo.Type.FILE));
        FileInfo two = s.files().stat("/workspace/a/b/two.txt");
        assertThat(two.size()).isEqualTo(2);
        assertThat(two.path()).isEqualTo("/workspace/a/b/two.txt");
        s.files().move("a/b/two.txt", "a/moved.txt");
        assertThat(s.files().exists("a/b/two.txt")).isFalse();
        assertThat(s.files().readText("a/moved.txt")).isEqualTo("22");
        s.files().move("a/moved.txt", "/tmp/across-mounts.txt");
        assertThat(s.files().readText("/tmp/across-mounts.txt")).isEqualTo("22");
        s.files().remove("a");
        assertThat(s.files().exists("a")).isFalse();
        s.files().remove("a"); // removing what is not there succeeds
        assertThatThrownBy(() -> s.files().read("missing.txt")).isInstanceOf(SandboxFileException.class)
                .satisfies(e -> assertThat(((SandboxFileException) e).reason()).isEqualTo(Reason.NOT_FOUND));
        assertThatThrownBy(() -> s.files().read("/workspace")).isInstanceOf(SandboxFileException.class)
                .satisfies(e -> assertThat(((SandboxFileException) e).reason()).isEqualTo(Reason.IS_A_DIRECTORY));
    }

    @Test
    void symlinksAreReportedNotFollowedByStatAndList() {
        Sandbox s = sandboxes.create();
        s.commands().run(Command.of("ln", "-s", "/etc/hostname", "link"));
        FileInfo link = s.files().stat("link");
        assertThat(link.type()).isEqualTo(FileInfo.Type.SYMLINK);
        assertThat(link.symlinkTarget()).contains("/etc/hostname");
    }

    @Test
    void theTemplateIsReadOnlyThroughTheApiToo() {
        Sandbox s = sandboxes.create();
        assertThatThrownBy(() -> s.files().write("/usr/bin/evil", "x")).isInstanceOf(SandboxFileException.class)
                .satisfies(e -> assertThat(((SandboxFileException) e).reason()).isEqualTo(Reason.PERMISSION_DENIED));
        assertThatThrownBy(() -> s.files().write("/etc/passwd", "x")).isInstanceOf(SandboxFileException.class);
        assertThatThrownBy(() -> s.files().mkdir("/newdir")).isInstanceOf(SandboxFileException.class);
    }

    @Test
    void copyInAndOutPreserveTreesAndExecBits() throws IOException {
        Sandbox s = sandboxes.create();
        Path src = host.resolve("src");
        java.nio.file.Files.createDirectories(src.resolve("pkg/inner"));
        java.nio.file.Files.writeString(src.resolve("README"), "readme");
        java.nio.file.Files.writeString(src.resolve("pkg/inner/data.txt"), "data");
        Path script = java.nio.file.Files.writeString(src.resolve("run.sh"), "#!/bin/sh\necho ran\n");
        java.nio.file.Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));

        s.files().copyIn(src, "/workspace/proj");
        assertThat(s.files().readText("proj/pkg/inner/data.txt")).isEqualTo("data");
        assertThat(s.commands().run(Command.of("./proj/run.sh")).stdout()).isEqualTo("ran\n");

        s.commands().run(Command.shell("mkdir -p proj/out && echo result > proj/out/r.txt"));
        Path dst = host.resolve("dst");
        s.files().copyOut("/workspace/proj", dst);
        assertThat(dst.resolve("out/r.txt")).hasContent("result");
        assertThat(dst.resolve("pkg/inner/data.txt")).hasContent("data");
        assertThat(java.nio.file.Files.isExecutable(dst.resolve("run.sh"))).isFalse(); // modes are not trusted on the way out

        s.files().copyOut("proj/README", host.resolve("single/README"));
        assertThat(host.resolve("single/README")).hasContent("readme");
    }
}
