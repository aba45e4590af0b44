package io.agentbox.agent.claudecode;

import io.agentbox.sandbox.template.TemplateSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The shipped templates/claude-code.toml parses and pins the version the runtime is tested with. */
class ClaudeCodeTemplateTest {
    @Test
    void theShippedSpecPinsTheTestedVersion() {
        TemplateSpec spec = TemplateSpec.parse(Path.of(System.getProperty("agentbox.repo", "..")).resolve("templates/claude-code.toml"));
        assertThat(spec.name()).isEqualTo("claude-code");
        assertThat(spec.npm()).containsExactly(ClaudeCodeInstall.PACKAGE + "@" + ClaudeCodeInstall.DEFAULT_VERSION);
        assertThat(spec.packages()).contains("git", "ripgrep", "python3");
    }
}
