package io.agentbox.agent.event;

/**
 * Receives a run's events in order, on the run's threads. Keep it quick: the run waits for it.
 * An exception thrown here is ignored by the run.
 */
@FunctionalInterface
public interface EventListener {
    EventListener NONE = e -> {};

    void onEvent(Event event);
}
