package io.agentbox.server.runs;

import io.agentbox.agent.permission.PermissionCallback;
import io.agentbox.agent.permission.PermissionDecision;
import io.agentbox.sandbox.Durations;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Permission requests of runs in mode {@code default} (or {@code acceptEdits}) waiting for a person:
 * the run's {@code permission.request} event goes out, a client answers over the WebSocket or HTTP, and
 * the waiting tool call goes on. Without an answer in time the call is denied, so a run never hangs.
 */
public final class Permissions {
    private final Duration timeout;
    /** run id → tool call id → the answer to come. */
    private final Map<String, Map<String, CompletableFuture<PermissionDecision>>> pending = new ConcurrentHashMap<>();

    public Permissions(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * Registers the request before its event is published, so that an answer, however quick, finds it.
     * Called by the run's event relay for each {@code permission.request}.
     */
    void expect(String runId, String toolUseId) {
        future(runId, toolUseId);
    }

    /** The agent's callback for one run. */
    PermissionCallback callbackFor(String runId) {
        return (agentRunId, call) -> future(runId, call.id())
                .completeOnTimeout(PermissionDecision.deny("nobody answered the permission request within "
                        + Durations.format(timeout)), timeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((d, e) -> remove(runId, call.id()));
    }

    private CompletableFuture<PermissionDecision> future(String runId, String toolUseId) {
        return pending.computeIfAbsent(runId, k -> new ConcurrentHashMap<>()).computeIfAbsent(toolUseId, k -> new CompletableFuture<>());
    }

    private void remove(String runId, String toolUseId) {
        pending.computeIfPresent(runId, (k, m) -> {
            m.remove(toolUseId);
            return m.isEmpty() ? null : m;
        });
    }

    /** Answers a waiting request; false when this node has no such request waiting (unknown, answered, timed out). */
    public boolean answer(String runId, String toolUseId, PermissionDecision decision) {
        Map<String, CompletableFuture<PermissionDecision>> m = pending.get(runId);
        CompletableFuture<PermissionDecision> f = m == null ? null : m.get(toolUseId);
        return f != null && f.complete(decision);
    }

    /** Denies whatever the run still waits for (it ended). */
    void forget(String runId) {
        Map<String, CompletableFuture<PermissionDecision>> m = pending.remove(runId);
        if (m != null) m.values().forEach(f -> f.complete(PermissionDecision.deny("the run ended")));
    }
}
