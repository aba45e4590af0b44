package io.agentbox.agent.hook;

import io.agentbox.agent.tools.ToolUse;

/** Runs before every tool call, in every permission mode. */
@FunctionalInterface
public interface PreToolUseHook {
    HookDecision beforeToolUse(ToolUse call);
}
