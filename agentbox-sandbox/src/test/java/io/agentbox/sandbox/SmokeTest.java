package io.agentbox.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {
    @RegisterExtension
    static TestSandboxes sandboxes = new TestSandboxes();

    @Test
    void runsACommand() {
        Sandbox s = sandboxes.create();
        CommandResult r = s.commands().run(Command.shell("echo hello; id -u; pwd"));
        assertThat(r.stdout()).isEqualTo("hello\n1000\n/workspace\n");
        s.files().write("a/b.txt", "content");
        assertThat(s.files().readText("/workspace/a/b.txt")).isEqualTo("content");
        assertThat(s.files().list("/workspace/a")).extracting(FileInfo::name).containsExactly("b.txt");
    }
}
