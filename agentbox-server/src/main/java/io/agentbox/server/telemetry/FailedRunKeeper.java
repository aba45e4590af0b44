package io.agentbox.server.telemetry;

import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sampled spans go to the configured processor. Spans of runs the sampler dropped (recorded only) wait here
 * until their run's root span ends: a failed run's spans are then exported all the same, the others dropped.
 */
final class FailedRunKeeper implements SpanProcessor {
    /** At most this many spans wait (a run that never ends must not grow this forever); the oldest runs go first. */
    private static final int MAX_WAITING = 20_000;

    private final SpanProcessor sampled;
    private final SpanProcessor kept;
    private final Map<String, List<ReadableSpan>> waiting = new LinkedHashMap<>();
    private int waitingCount;

    private final Set<String> recordedRuns;

    FailedRunKeeper(SpanProcessor sampled, SpanProcessor kept, Set<String> recordedRuns) {
        this.sampled = sampled;
        this.kept = kept;
        this.recordedRuns = recordedRuns;
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
        if (span.getSpanContext().isSampled()) sampled.onStart(parentContext, span);
    }

    @Override
    public boolean isStartRequired() {
        return sampled.isStartRequired();
    }

    @Override
    public void onEnd(ReadableSpan span) {
        if (span.getSpanContext().isSampled()) {
            sampled.onEnd(span);
            return;
        }
        String trace = span.getSpanContext().getTraceId();
        boolean runRoot = RunAttributes.INVOKE_AGENT.equals(span.getAttribute(RunAttributes.OPERATION));
        List<ReadableSpan> release;
        synchronized (this) {
            if (!runRoot) {
                waiting.computeIfAbsent(trace, t -> new ArrayList<>()).add(span);
                if (++waitingCount > MAX_WAITING) evictOldest();
                return;
            }
            recordedRuns.remove(trace);
            release = waiting.remove(trace);
            if (release != null) waitingCount -= release.size();
        }
        if (span.toSpanData().getStatus().getStatusCode() != StatusCode.ERROR) return;
        if (release != null) release.forEach(kept::onEnd);
        kept.onEnd(span);
    }

    private void evictOldest() {
        var it = waiting.entrySet().iterator();
        while (waitingCount > MAX_WAITING && it.hasNext()) {
            var e = it.next();
            waitingCount -= e.getValue().size();
            recordedRuns.remove(e.getKey());
            it.remove();
        }
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }

    @Override
    public CompletableResultCode shutdown() {
        // Both processors share one exporter, and a processor's shutdown shuts the exporter down too: drain both
        // first, or whichever stops first cuts off the other's last export (the CLI lost its whole trace that way).
        forceFlush().join(10, java.util.concurrent.TimeUnit.SECONDS);
        return CompletableResultCode.ofAll(List.of(sampled.shutdown(), kept.shutdown()));
    }

    @Override
    public CompletableResultCode forceFlush() {
        return CompletableResultCode.ofAll(List.of(sampled.forceFlush(), kept.forceFlush()));
    }
}
