package io.agentbox.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * Library logging of CLI commands: warnings and errors only, on stderr. Without it Logback's default
 * prints DEBUG lines on stdout, which is the data channel of {@code --output-format stream-json} and
 * the protocol channel of {@code agentbox mcp}. {@code serve} installs the server's logging over it.
 */
final class QuietLogging {
    private QuietLogging() {}

    static void install() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return;
        ctx.reset();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern("agentbox: %level %logger{20}: %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(console);
        // the MCP SDK logs a failed server at ERROR; agentbox reports it itself (mcp.server events, tool errors)
        ctx.getLogger("io.modelcontextprotocol").setLevel(Level.OFF);
        ctx.getLogger("reactor").setLevel(Level.OFF);
    }
}
