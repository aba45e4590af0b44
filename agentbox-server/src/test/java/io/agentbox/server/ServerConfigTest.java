package io.agentbox.server;

import io.agentbox.ConfigException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerConfigTest {

    @Test
    void defaultsBindLoopback8080WithSqliteInTheDataDir() {
        ServerConfig c = ServerConfig.load(Map.of(), Map.of("AGENTBOX_HOME", "/tmp/abx"));
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/abx"));
        assertThat(c.dbUrl()).isEmpty();
        assertThat(c.rateLimit()).isEqualTo(new RateLimit(600, Duration.ofMinutes(1)));
        assertThat(c.maxPromptBytes()).isEqualTo(1 << 20);
        assertThat(c.workspaceConcurrency()).isEqualTo(5);
        assertThat(c.sseKeepAlive()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.bootTimeout()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheConfigFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "port = 7000\nhost = 0.0.0.0\nrate-limit = 5/s\nworkspace-concurrency = 9\n");
        ServerConfig c = ServerConfig.load(Map.of("config", file.toString(), "port", "9000"),
                Map.of("AGENTBOX_HOST", "10.0.0.1", "AGENTBOX_RATE_LIMIT", "100/min"));
        assertThat(c.port()).isEqualTo(9000);
        assertThat(c.host()).isEqualTo("10.0.0.1");
        assertThat(c.rateLimit()).isEqualTo(new RateLimit(100, Duration.ofMinutes(1)));
        assertThat(c.workspaceConcurrency()).isEqualTo(9);
        ServerConfig viaEnv = ServerConfig.load(Map.of(), Map.of("AGENTBOX_CONFIG", file.toString()));
        assertThat(viaEnv.port()).isEqualTo(7000);
        assertThat(viaEnv.baseUrl(7000)).isEqualTo("http://127.0.0.1:7000");
    }

    @Test
    void unknownAndMalformedSettingsFailNamingTheSettingButNotSecrets(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ServerConfig.load(Map.of("prot", "1"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--prot");
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("AGENTBOX_RATE_LIMIT", "lots")))
                .hasMessageContaining("AGENTBOX_RATE_LIMIT").hasMessageContaining("600/min");
        assertThatThrownBy(() -> ServerConfig.load(Map.of("port", "http"), Map.of())).hasMessageContaining("--port");
        assertThatThrownBy(() -> ServerConfig.load(Map.of("run-timeout", "forever"), Map.of())).hasMessageContaining("--run-timeout");
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "colour = blue\n");
        assertThatThrownBy(() -> ServerConfig.load(Map.of("config", file.toString()), Map.of())).hasMessageContaining("colour");
    }

    @Test
    void toStringNeverShowsSecrets() {
        ServerConfig c = ServerConfig.load(Map.of(), Map.of("AGENTBOX_BOOTSTRAP_KEY", "boot-secret-123",
                "ANTHROPIC_API_KEY", "sk-ant-secret-456", "AGENTBOX_DB_URL", "postgres://u:dbsecret789@h/db",
                "AGENTBOX_DB_PASSWORD", "dbsecret789"));
        assertThat(c.toString()).doesNotContain("boot-secret-123").doesNotContain("sk-ant-secret-456").doesNotContain("dbsecret789");
        assertThat(c.bootstrapKey()).contains("boot-secret-123");
    }

    @Test
    void rateLimitsParse() {
        assertThat(RateLimit.parse("10/s")).contains(new RateLimit(10, Duration.ofSeconds(1)));
        assertThat(RateLimit.parse("3600/hour")).contains(new RateLimit(3600, Duration.ofHours(1)));
        assertThat(RateLimit.parse("off")).contains(RateLimit.UNLIMITED);
        assertThat(RateLimit.parse("ten/min")).isEmpty();
    }
}
