package io.agentbox.agent.hook;

import io.agentbox.agent.tools.ToolOutput;
import io.agentbox.agent.tools.ToolUse;

/** Runs after every tool call that ran (also after a failed one). */
@FunctionalInterface
public interface PostToolUseHook {
    void afterToolUse(ToolUse call, ToolOutput output);
}
