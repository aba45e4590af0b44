package io.agentbox.cli.agent;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C while a run is active cancels the run instead of ending the JVM, so the run can stop its
 * sandbox processes, report {@code canceled} and (in {@code chat}) the session goes on.
 */
final class Interrupts implements AutoCloseable {
    private static final Signal INT = new Signal("INT");
    private final SignalHandler previous;

    private Interrupts(Runnable onInterrupt) {
        previous = Signal.handle(INT, s -> onInterrupt.run());
    }

    /** Until {@link #close()}, Ctrl-C runs {@code onInterrupt}. */
    static Interrupts handle(Runnable onInterrupt) {
        return new Interrupts(onInterrupt);
    }

    @Override
    public void close() {
        Signal.handle(INT, previous);
    }
}
