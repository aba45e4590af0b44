package io.agentbox.server.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;

import java.util.List;
import java.util.Set;

/**
 * The configured sampler, except that a run the sampler drops is still recorded (not exported): whether it
 * is kept is known only when it ends, and {@link FailedRunKeeper} exports it then if it failed. Spans
 * outside runs follow the configured sampler exactly, so a dropped request costs nothing more.
 */
final class KeepFailedRunsSampler implements Sampler {
    private final Sampler delegate;
    private final Set<String> recordedRuns;

    /** @param recordedRuns trace ids of runs recorded despite the sampler, until their root span ends */
    KeepFailedRunsSampler(Sampler delegate, Set<String> recordedRuns) {
        this.delegate = delegate;
        this.recordedRuns = recordedRuns;
    }

    @Override
    public SamplingResult shouldSample(Context parent, String traceId, String name, SpanKind kind, Attributes attributes,
                                       List<LinkData> links) {
        SamplingResult r = delegate.shouldSample(parent, traceId, name, kind, attributes, links);
        if (r.getDecision() != SamplingDecision.DROP) return r;
        if (RunAttributes.INVOKE_AGENT.equals(attributes.get(RunAttributes.OPERATION))) {
            recordedRuns.add(traceId);
            return SamplingResult.recordOnly();
        }
        // A parent span may have ended already (a tool call outlives the model call that asked for it): go by the trace.
        return recordedRuns.contains(traceId) ? SamplingResult.recordOnly() : r;
    }

    @Override
    public String getDescription() {
        return "KeepFailedRuns{" + delegate.getDescription() + "}";
    }
}
