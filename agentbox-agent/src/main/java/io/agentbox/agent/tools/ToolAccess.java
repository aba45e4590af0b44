package io.agentbox.agent.tools;

/** What a tool call can change. */
public enum ToolAccess {
    /** Reads only; allowed in {@code plan} mode and may run in parallel with other reads. */
    READ,
    /** Creates or changes files; auto-approved in {@code acceptEdits} mode. */
    EDIT,
    /** Runs arbitrary programs or reaches the network. */
    EXECUTE
}
