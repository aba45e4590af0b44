package io.agentbox.server.runs;

/**
 * Carries out a run the scheduler has claimed (status {@code booting}): creates its sandbox, runs the
 * agent, streams its events through the context and ends it. Called on a virtual thread of its own;
 * blocks until the run is over. A run the executor leaves unfinished, or that throws, ends
 * {@code failed} with category {@code internal}.
 */
@FunctionalInterface
public interface RunExecutor {
    void execute(RunContext run) throws Exception;
}
