package io.agentbox.agent.permission;

import io.agentbox.agent.tools.ToolUse;

import java.util.concurrent.CompletionStage;

/**
 * Decides tool calls that no rule settles (mode {@code default}, and {@code acceptEdits} for
 * non-edits). Asynchronous so that the answer can come later, e.g. from a user over a WebSocket;
 * the run waits for it (a canceled run stops waiting). A {@code permission.request} event is
 * emitted before the callback is asked.
 */
@FunctionalInterface
public interface PermissionCallback {
    CompletionStage<PermissionDecision> decide(String runId, ToolUse call);
}
