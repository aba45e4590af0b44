package io.agentbox.cli.agent;

import org.jline.utils.Signals;

/**
 * Ctrl-C while a run is active cancels the run instead of ending the JVM, so the run can stop its
 * sandbox processes, report {@code canceled} and (in {@code chat}) the session goes on.
 */
final class Interrupts implements AutoCloseable {
    private final Object previous;

    private Interrupts(Runnable onInterrupt) {
        previous = Signals.register("INT", onInterrupt);
    }

    /** Until {@link #close()}, Ctrl-C runs {@code onInterrupt}. */
    static Interrupts handle(Runnable onInterrupt) {
        return new Interrupts(onInterrupt);
    }

    @Override
    public void close() {
        Signals.unregister("INT", previous);
    }
}
