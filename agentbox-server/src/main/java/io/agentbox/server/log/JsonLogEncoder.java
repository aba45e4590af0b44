package io.agentbox.server.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.event.KeyValuePair;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/**
 * One JSON object per line: {@code ts}, {@code level}, {@code logger}, {@code msg}, then MDC entries
 * (such as {@code requestId}) and the event's key-value pairs as top-level fields, then {@code error}
 * with the stack trace. Every string goes through {@link Redactor}.
 */
public final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] NONE = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("ts", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            g.writeStringField("level", event.getLevel().toString());
            g.writeStringField("logger", event.getLoggerName());
            g.writeStringField("msg", Redactor.redact(event.getFormattedMessage()));
            for (Map.Entry<String, String> e : event.getMDCPropertyMap().entrySet()) {
                g.writeStringField(e.getKey(), Redactor.redact(e.getValue()));
            }
            if (event.getKeyValuePairs() != null) {
                for (KeyValuePair kv : event.getKeyValuePairs()) {
                    if (kv.value instanceof Number n && !(n instanceof Double || n instanceof Float)) {
                        g.writeNumberField(kv.key, n.longValue());
                    } else if (kv.value instanceof Number n) {
                        g.writeNumberField(kv.key, n.doubleValue());
                    } else if (kv.value instanceof Boolean b) {
                        g.writeBooleanField(kv.key, b);
                    } else {
                        g.writeStringField(kv.key, Redactor.redact(String.valueOf(kv.value)));
                    }
                }
            }
            IThrowableProxy t = event.getThrowableProxy();
            if (t != null) g.writeStringField("error", Redactor.redact(ThrowableProxyUtil.asString(t)));
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }
}
