package io.agentbox.sandbox.template;

import java.time.Duration;

/**
 * Progress of {@link Templates#build}. Every method has an empty default, so implement only what you show.
 * Calls never overlap; {@link #output} may come from a thread of the build rather than the caller's.
 */
public interface BuildListener {
    BuildListener NONE = new BuildListener() {};

    /** Step {@code n} of {@code total} (counting from 1) starts. */
    default void step(int n, int total, String description) {}

    /** One line printed by the running step (stdout and stderr interleaved). */
    default void output(String line) {}

    /** A template of that name with the same spec hash already exists: nothing is built. */
    default void cached(TemplateInfo template) {}

    /** The build (or the cache hit) finished successfully after {@code elapsed}. */
    default void done(Duration elapsed) {}
}
