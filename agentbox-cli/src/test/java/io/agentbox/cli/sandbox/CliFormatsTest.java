package io.agentbox.cli.sandbox;

import io.agentbox.cli.Table;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class CliFormatsTest {
    @Test
    void sandboxSideOfCpIsIdColonPath() {
        assertThat(CpCommand.SandboxPath.parse("sbx_abc123:/workspace/a b")).contains(new CpCommand.SandboxPath("sbx_abc123", "/workspace/a b"));
        assertThat(CpCommand.SandboxPath.parse("sbx_abc123:")).contains(new CpCommand.SandboxPath("sbx_abc123", "."));
        assertThat(CpCommand.SandboxPath.parse("/tmp/x:y")).isEmpty();
        assertThat(CpCommand.SandboxPath.parse("./name:with-colon")).isEmpty();
        assertThat(CpCommand.SandboxPath.parse("plain-file")).isEmpty();
    }

    @Test
    void expiryIsRelativeInWholeSeconds() {
        Instant now = Instant.parse("2026-11-29T10:00:00Z");
        assertThat(SandboxView.expiresIn(now.plus(Duration.ofMillis(298_700)), now)).isEqualTo("in 4m58s");
        assertThat(SandboxView.expiresIn(now.plusSeconds(42), now)).isEqualTo("in 42s");
        assertThat(SandboxView.expiresIn(now.minusSeconds(1), now)).isEqualTo("expired");
    }

    @Test
    void tableAlignsColumnsWithoutTrailingBlanks() {
        StringWriter s = new StringWriter();
        new Table("ID", "NAME", "NOTE").row("1", "a-long-name", "").row("22", "b", "x").print(new PrintWriter(s));
        assertThat(s.toString()).isEqualTo("""
                ID  NAME         NOTE
                1   a-long-name
                22  b            x
                """);
    }
}
