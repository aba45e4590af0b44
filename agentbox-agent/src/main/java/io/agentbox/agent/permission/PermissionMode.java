package io.agentbox.agent.permission;

import java.util.Arrays;

/** Claude Code's permission modes. Deny rules and hooks apply in every mode. */
public enum PermissionMode {
    /** Ask the permission callback for every call not allowed by a rule; no callback means deny. */
    DEFAULT("default"),
    /** Like {@code default}, but file edits are approved without asking. */
    ACCEPT_EDITS("acceptEdits"),
    /** Read-only tools only: anything that could change the sandbox is refused. */
    PLAN("plan"),
    /** Everything not denied by a rule or hook runs: the sandbox is the boundary. */
    BYPASS_PERMISSIONS("bypassPermissions");

    private final String wireName;

    PermissionMode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static PermissionMode fromWireName(String name) {
        return Arrays.stream(values()).filter(m -> m.wireName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown permission mode '" + name
                        + "' (expected default, acceptEdits, plan or bypassPermissions)"));
    }
}
