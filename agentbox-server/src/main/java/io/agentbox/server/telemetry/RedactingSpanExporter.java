package io.agentbox.server.telemetry;

import io.agentbox.server.log.Redactor;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributeType;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.util.Collection;
import java.util.List;

/** Masks the secrets the server registered (API keys, passwords) in every string a span carries, before export. */
final class RedactingSpanExporter implements SpanExporter {
    private final SpanExporter delegate;

    RedactingSpanExporter(SpanExporter delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        return delegate.export(spans.stream().map(RedactingSpanExporter::redact).toList());
    }

    @SuppressWarnings("unchecked")
    static SpanData redact(SpanData span) {
        AttributesBuilder b = Attributes.builder();
        span.getAttributes().forEach((key, value) -> {
            if (key.getType() == AttributeType.STRING) {
                b.put((AttributeKey<String>) key, Redactor.redactRegistered((String) value));
            } else if (key.getType() == AttributeType.STRING_ARRAY) {
                b.put((AttributeKey<List<String>>) key, ((List<String>) value).stream().map(Redactor::redactRegistered).toList());
            } else {
                b.put((AttributeKey<Object>) key, value);
            }
        });
        Attributes attributes = b.build();
        StatusData status = StatusData.create(span.getStatus().getStatusCode(), Redactor.redactRegistered(span.getStatus().getDescription()));
        String name = Redactor.redactRegistered(span.getName());
        return new DelegatingSpanData(span) {
            @Override public Attributes getAttributes() { return attributes; }
            @Override public StatusData getStatus() { return status; }
            @Override public String getName() { return name; }
        };
    }

    @Override
    public CompletableResultCode flush() {
        return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return delegate.shutdown();
    }
}
