package io.agentbox.server.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The trace context of the request that created a run, kept until the run starts on this node so that the
 * run's span is a child of that request (and of an incoming {@code traceparent}). A run started by another
 * node, or after a restart, begins a trace of its own.
 */
public final class RunParents {
    private static final int MAX = 10_000;
    private static final Map<String, Context> PARENTS = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Context> eldest) {
            return size() > MAX;
        }
    };

    private RunParents() {}

    /** Called where a run is created: remembers the current context when it is a traced one (nothing when tracing is off). */
    public static void remember(String runId) {
        Context current = Context.current();
        if (!Span.fromContext(current).getSpanContext().isValid()) return;
        synchronized (PARENTS) {
            PARENTS.put(runId, current);
        }
    }

    static Optional<Context> take(String runId) {
        synchronized (PARENTS) {
            return Optional.ofNullable(PARENTS.remove(runId));
        }
    }
}
