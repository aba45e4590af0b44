package io.agentbox.agent.model;

import io.agentbox.ErrorCategory;
import io.agentbox.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelConfigTest {
    @Test
    void dotEnvFillsWhatTheEnvironmentLacksAndNeverOverridesIt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), """
                # comment
                export ANTHROPIC_API_KEY="sk-from-file"
                ANTHROPIC_BASE_URL=http://127.0.0.1:9/ # trailing comment
                ANTHROPIC_MODEL='claude-haiku-4-5'
                """);
        ModelConfig fromFile = ModelConfig.fromEnvironment(Map.of(), dir);
        assertThat(fromFile.apiKey()).contains("sk-from-file");
        assertThat(fromFile.baseUrl()).contains("http://127.0.0.1:9/");
        assertThat(fromFile.model()).isEqualTo("claude-haiku-4-5");
        ModelConfig env = ModelConfig.fromEnvironment(Map.of("ANTHROPIC_API_KEY", "sk-real", "ANTHROPIC_MODEL", "claude-opus-4-5"), dir);
        assertThat(env.apiKey()).contains("sk-real");
        assertThat(env.model()).isEqualTo("claude-opus-4-5");
        assertThat(env.toString()).doesNotContain("sk-real").contains("***");
    }

    @Test
    void aMissingKeyIsATypedConfigErrorNamingTheVariable(@TempDir Path dir) {
        ModelConfig none = ModelConfig.fromEnvironment(Map.of(), dir);
        assertThat(none.model()).isEqualTo("claude-sonnet-4-5");
        assertThatThrownBy(none::requireCredentials).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ANTHROPIC_API_KEY")
                .satisfies(e -> assertThat(((ConfigException) e).category()).isEqualTo(ErrorCategory.CONFIG));
        assertThatThrownBy(() -> AnthropicModelClient.builder().build()).isInstanceOf(ConfigException.class);
        assertThat(ModelConfig.fromEnvironment(Map.of("ANTHROPIC_AUTH_TOKEN", "tok"), dir).requireCredentials().authToken()).contains("tok");
    }
}
