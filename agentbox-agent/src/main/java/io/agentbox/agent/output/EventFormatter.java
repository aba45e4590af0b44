package io.agentbox.agent.output;

import io.agentbox.agent.event.Event;

import java.util.List;

/**
 * Turns a run's events, in order, into output lines (each one JSON document, no newline). A pure
 * function of the event stream: the same events always give the same lines. One instance per run.
 */
@FunctionalInterface
public interface EventFormatter {
    List<String> format(Event event);
}
