package io.agentbox.server.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import io.agentbox.server.ServerConfig;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * Points the process's logging at the server's format ({@code --log-format}, {@code --log-level},
 * {@code --log-file}). {@code agentbox serve} owns its process and calls this before it starts the
 * server; the server never does, so an application that embeds it keeps its own logging. Logback is
 * configured directly instead of through a shipped {@code logback.xml} that would shadow the
 * application's.
 */
public final class ServerLogging {
    private ServerLogging() {}

    public static void install(ServerConfig config) {
        if (config.logFormat() == ServerConfig.LogFormat.NONE) return;
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return;
        ctx.reset();

        Encoder<ILoggingEvent> encoder;
        if (config.logFormat() == ServerConfig.LogFormat.JSON) {
            encoder = new JsonLogEncoder();
        } else {
            encoder = new RedactingPatternEncoder();
        }
        encoder.setContext(ctx);
        encoder.start();

        OutputStreamAppender<ILoggingEvent> appender;
        if (config.logFile().isPresent()) {
            FileAppender<ILoggingEvent> file = new FileAppender<>();
            file.setFile(config.logFile().get().toString());
            file.setAppend(true);
            appender = file;
        } else {
            ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
            console.setTarget("System.err");
            appender = console;
        }
        appender.setContext(ctx);
        appender.setName("agentbox");
        appender.setEncoder(encoder);
        appender.start();

        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(config.logLevel(), Level.INFO));
        root.addAppender(appender);
        for (String noisy : new String[] {"org.eclipse.jetty", "io.javalin", "com.zaxxer.hikari", "org.flywaydb", "org.jdbi", "io.modelcontextprotocol", "reactor"}) {
            ctx.getLogger(noisy).setLevel(Level.WARN);
        }
    }

    /** Human-readable lines for a terminal, redacted like the JSON format. */
    static final class RedactingPatternEncoder extends EncoderBase<ILoggingEvent> {
        private final PatternLayoutEncoder delegate = new PatternLayoutEncoder();

        @Override
        public void start() {
            delegate.setContext(getContext());
            delegate.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{20} [%X{requestId}] %msg%n%ex");
            delegate.start();
            super.start();
        }

        @Override
        public byte[] headerBytes() {
            return new byte[0];
        }

        @Override
        public byte[] encode(ILoggingEvent event) {
            String line = new String(delegate.encode(event), StandardCharsets.UTF_8);
            return Redactor.redact(line).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] footerBytes() {
            return new byte[0];
        }
    }
}
