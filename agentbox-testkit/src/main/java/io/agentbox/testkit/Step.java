package io.agentbox.testkit;

/**
 * One entry of a script: what the fake answers to one {@code POST /v1/messages} request, either a
 * {@link Reply} (a successful message) or a {@link Failure} (an HTTP error, an {@code error} event
 * mid-stream, or a stream cut short).
 */
public sealed interface Step permits Reply, Failure {}
