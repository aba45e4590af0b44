package io.agentbox.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import io.agentbox.server.log.Redactor;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** A server started inside an application changes nothing of the process: logging, properties, masking. */
class EmbeddingTest {
    @Test
    void startingAndClosingAServerLeavesTheProcessAsItWas(@TempDir Path dir) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        List<Appender<ILoggingEvent>> appendersBefore = appenders(root);
        var levelBefore = root.getLevel();
        Properties propertiesBefore = (Properties) System.getProperties().clone();
        String bootstrapKey = "embedding-test-bootstrap-key-0123456789";
        ServerConfig config = TestServer.baseConfig(Db.SQLITE, dir).bootstrapKey(bootstrapKey).e2bPort(ServerConfig.E2B_OFF).build();
        assertThat(config.logFormat()).as("the default format would reset logging if the server applied it")
                .isEqualTo(ServerConfig.LogFormat.JSON);

        try (AgentboxServer server = AgentboxServer.builder(config).console(new PrintStream(new ByteArrayOutputStream())).build().start()) {
            assertThat(new Http(server.url(), Optional.of(bootstrapKey)).get("/v1/me").status()).isEqualTo(200);
            assertThat(appenders(root)).as("the application's appenders").isEqualTo(appendersBefore);
            assertThat(root.getLevel()).isEqualTo(levelBefore);
            assertThat(config.logFile()).as("nothing was written where only agentbox serve logs").map(p -> p.toFile().exists()).contains(false);
            assertThat(Redactor.redact("key " + bootstrapKey)).as("masked while the server runs").doesNotContain(bootstrapKey);
        }
        assertThat(Redactor.redact("key " + bootstrapKey)).as("not masked once it has stopped").contains(bootstrapKey);
        assertThat(System.getProperties()).isEqualTo(propertiesBefore);
    }

    private static List<Appender<ILoggingEvent>> appenders(Logger logger) {
        List<Appender<ILoggingEvent>> out = new ArrayList<>();
        logger.iteratorForAppenders().forEachRemaining(out::add);
        return out;
    }

    @Test
    void everySettingIsDeclaredOnceWithItsDefaultInItsHelp() {
        assertThat(ServerConfig.settings()).extracting(ServerSetting::key).startsWith("host", "port").contains("pool", "log-format")
                .doesNotHaveDuplicates();
        assertThat(ServerConfig.settings()).extracting(ServerSetting::env).doesNotHaveDuplicates();
        assertThat(ServerConfig.LOG_FORMAT.description()).isEqualTo("json, text, or none to leave logging alone (default json)");
        assertThat(ServerConfig.RUN_TIMEOUT.description()).isEqualTo("lifetime deadline of a run (default 30m)");
        ServerConfig defaults = ServerConfig.builder().build();
        assertThat(defaults.runTimeout()).isEqualTo(java.time.Duration.ofMinutes(30));
        assertThat(defaults.maxBodyBytes()).isEqualTo(2L << 20);
        assertThat(defaults.dailyBudgetUsd()).isEmpty();
        assertThat(defaults.pools()).isEmpty();
        assertThat(defaults.e2bPort()).hasValue(ServerConfig.DEFAULT_E2B_PORT);
        assertThat(ServerConfig.builder().port(0).build().e2bPort()).hasValue(0);
        assertThat(defaults.limits()).isEqualTo(ResourceLimits.DEFAULT);
        assertThat(defaults.toBuilder().workspaceConcurrency(3).build().workspaceConcurrency()).isEqualTo(3);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerConfig.builder().workspaceConcurrency(0).build())
                .hasMessage("workspace-concurrency must be >= 1, got 0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerConfig.load(Map.of("port", "70000"), Map.of()))
                .hasMessage("invalid --port '70000': port must be 0..65535, got 70000");
    }
}
