package io.agentbox.server.runs;

import io.agentbox.server.model.RunEvent;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * In-process fan-out of events that are already stored. Subscribers must not block: stream clients
 * put events on their own queue. Clients of runs executing on another node poll the store instead.
 */
public final class EventBus {
    private final Map<String, Set<Consumer<RunEvent>>> subscribers = new ConcurrentHashMap<>();

    public AutoCloseable subscribe(String runId, Consumer<RunEvent> subscriber) {
        subscribers.computeIfAbsent(runId, k -> new CopyOnWriteArraySet<>()).add(subscriber);
        return () -> subscribers.computeIfPresent(runId, (k, set) -> {
            set.remove(subscriber);
            return set.isEmpty() ? null : set;
        });
    }

    public void publish(RunEvent event) {
        Set<Consumer<RunEvent>> set = subscribers.get(event.runId());
        if (set == null) return;
        for (Consumer<RunEvent> s : set) s.accept(event);
    }
}
