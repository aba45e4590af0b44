package io.agentbox.server.telemetry;

import io.agentbox.agent.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * OpenTelemetry traces from the standard {@code OTEL_*} variables: on when {@code OTEL_EXPORTER_OTLP_ENDPOINT}
 * (or {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}) is set and {@code OTEL_SDK_DISABLED} is not {@code true},
 * exporting OTLP (http/protobuf unless {@code OTEL_EXPORTER_OTLP_PROTOCOL} says otherwise) and sampling by
 * {@code OTEL_TRACES_SAMPLER}, except that failed runs are always kept. Off, everything is the API's no-op.
 * {@code AGENTBOX_TRACE_CONTENT=true} puts prompts, tool inputs and outputs and commands into spans; registered
 * secrets are masked in every exported span either way.
 */
public final class Telemetry implements AutoCloseable {
    private static final Telemetry OFF = new Telemetry(OpenTelemetry.noop(), Optional.empty(), false);

    private final OpenTelemetry openTelemetry;
    private final Optional<OpenTelemetrySdk> sdk;
    private final boolean content;

    private Telemetry(OpenTelemetry openTelemetry, Optional<OpenTelemetrySdk> sdk, boolean content) {
        this.openTelemetry = openTelemetry;
        this.sdk = sdk;
        this.content = content;
    }

    public static Telemetry off() {
        return OFF;
    }

    public static Telemetry fromEnvironment(Map<String, String> env) {
        boolean content = "true".equalsIgnoreCase(env.getOrDefault("AGENTBOX_TRACE_CONTENT", "").strip());
        boolean endpoint = !env.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "").isBlank()
                || !env.getOrDefault("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").isBlank();
        if (!endpoint || "true".equalsIgnoreCase(env.getOrDefault("OTEL_SDK_DISABLED", "").strip())) return OFF;

        Map<String, String> props = new HashMap<>();
        // Only traces: metrics stay on /metrics, logs in the JSON log.
        props.put("otel.metrics.exporter", "none");
        props.put("otel.logs.exporter", "none");
        props.put("otel.traces.exporter", "otlp");
        props.put("otel.service.name", "agentbox");
        // The specification's default (the Java SDK's own is grpc); OTEL_EXPORTER_OTLP_PROTOCOL=grpc for port 4317.
        props.put("otel.exporter.otlp.protocol", "http/protobuf");
        env.forEach((k, v) -> {
            if (k.startsWith("OTEL_")) props.put(k.toLowerCase(Locale.ROOT).replace('_', '.'), v);
        });
        AtomicReference<SpanExporter> exporter = new AtomicReference<>();
        Set<String> recordedRuns = ConcurrentHashMap.newKeySet();
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> props)
                .disableShutdownHook()
                .addSamplerCustomizer((sampler, cfg) -> new KeepFailedRunsSampler(sampler, recordedRuns))
                .addSpanExporterCustomizer((e, cfg) -> {
                    SpanExporter redacting = new RedactingSpanExporter(e);
                    exporter.set(redacting);
                    return redacting;
                })
                .addSpanProcessorCustomizer((processor, cfg) -> wrap(processor, exporter.get(), recordedRuns))
                .build()
                .getOpenTelemetrySdk();
        return new Telemetry(sdk, Optional.of(sdk), content);
    }

    private static SpanProcessor wrap(SpanProcessor processor, SpanExporter exporter, Set<String> recordedRuns) {
        if (exporter == null || !(processor instanceof BatchSpanProcessor)) return processor;
        return new FailedRunKeeper(processor, BatchSpanProcessor.builder(exporter).setExportUnsampledSpans(true).build(), recordedRuns);
    }

    public boolean enabled() {
        return sdk.isPresent();
    }

    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /** Agent tracing for runs (the CLI's, or the server's with {@link #tracingFor}). */
    public Tracing tracing() {
        return enabled() ? Tracing.of(openTelemetry, content) : Tracing.off();
    }

    /** Tracing for a server run: a child of the request that created it, with its ids as attributes. */
    public Tracing tracingFor(String runId, String workspaceId) {
        if (!enabled()) return Tracing.off();
        Context parent = RunParents.take(runId).orElse(Context.root());
        return tracing().withParent(parent).withRunAttributes(io.opentelemetry.api.common.Attributes.of(
                RunAttributes.RUN_ID, runId, RunAttributes.WORKSPACE_ID, workspaceId));
    }

    /** Exports what is buffered and stops; spans of runs still going are lost. */
    @Override
    public void close() {
        sdk.ifPresent(s -> s.shutdown().join(10, TimeUnit.SECONDS));
    }
}
