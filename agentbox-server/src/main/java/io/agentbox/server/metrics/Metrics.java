package io.agentbox.server.metrics;

import io.agentbox.agent.RunStatus;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/** The server's Prometheus metrics, in a registry of its own (several servers may share a JVM). */
public final class Metrics {
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Histogram httpDuration;
    private final Counter modelTokens;
    private final Counter modelCost;
    private final Counter runsFinished;
    private final Histogram eventLatency;

    public Metrics(Supplier<Map<RunStatus, Long>> runsByState, IntSupplier sandboxesAlive) {
        httpDuration = Histogram.builder()
                .name("agentbox_http_request_duration_seconds").help("HTTP request latency by route")
                .labelNames("method", "route", "status")
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .classicOnly()
                .register(registry);
        modelTokens = Counter.builder()
                .name("agentbox_model_tokens_total").help("Model tokens used by runs, by kind")
                .labelNames("kind").register(registry);
        modelCost = Counter.builder()
                .name("agentbox_cost_usd_total").help("Cost of finished runs in USD, by part")
                .labelNames("part").register(registry);
        runsFinished = Counter.builder()
                .name("agentbox_runs_finished_total").help("Runs that reached a terminal state on this node")
                .labelNames("status").register(registry);
        eventLatency = Histogram.builder()
                .name("agentbox_event_delivery_seconds").help("Time from an event's append to its delivery to a stream client")
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
                .classicOnly()
                .register(registry);
        GaugeWithCallback.builder()
                .name("agentbox_runs").help("Runs by state (all nodes)")
                .labelNames("state")
                .callback(cb -> {
                    Map<RunStatus, Long> counts = runsByState.get();
                    for (RunStatus s : RunStatus.values()) cb.call(counts.getOrDefault(s, 0L), s.wireName());
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("agentbox_sandboxes_alive").help("Live sandboxes created by this server")
                .callback(cb -> cb.call(sandboxesAlive.getAsInt()))
                .register(registry);
    }

    public void httpRequest(String method, String route, int status, double seconds) {
        httpDuration.labelValues(method, route, Integer.toString(status)).observe(seconds);
    }

    public void tokens(String kind, long count) {
        if (count > 0) modelTokens.labelValues(kind).inc(count);
    }

    public void cost(String part, double usd) {
        if (usd > 0) modelCost.labelValues(part).inc(usd);
    }

    public void runFinished(RunStatus status) {
        runsFinished.labelValues(status.wireName()).inc();
    }

    public void eventDelivered(double seconds) {
        eventLatency.observe(seconds);
    }

    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
