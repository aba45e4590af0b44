/**
 * A scripted fake of the Anthropic Messages API for testing agents offline.
 *
 * <p>{@link io.agentbox.testkit.FakeAnthropic} serves {@code POST /v1/messages} on 127.0.0.1 from a
 * queue of {@link io.agentbox.testkit.Step}s — {@link io.agentbox.testkit.Reply replies} and
 * {@link io.agentbox.testkit.Failure failures} — or from a {@link io.agentbox.testkit.Responder};
 * {@link io.agentbox.testkit.Script} loads them from JSON; every request is kept as a
 * {@link io.agentbox.testkit.RecordedRequest}. {@link io.agentbox.testkit.FakeAnthropicMain} runs
 * the fake as a process.
 */
package io.agentbox.testkit;
