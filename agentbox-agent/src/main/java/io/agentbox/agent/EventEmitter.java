package io.agentbox.agent;

import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.EventListener;
import io.agentbox.agent.event.Events;

/** Numbers a run's events (gapless from 1) and hands them to the listener one at a time. */
final class EventEmitter {
    private final String runId;
    private final EventListener listener;
    private long seq;

    EventEmitter(String runId, EventListener listener) {
        this.runId = runId;
        this.listener = listener;
    }

    String runId() {
        return runId;
    }

    synchronized Event emit(EventData data) {
        Event e = Events.of(++seq, runId, data);
        try {
            listener.onEvent(e);
        } catch (RuntimeException ignored) {
            // a faulty listener must not break the run or the numbering
        }
        return e;
    }
}
