package io.agentbox.sandbox;

/**
 * No sandbox can be created now because a machine-wide resource is used up by live sandboxes (for
 * local sandboxes: every private uid range is taken). Retrying after some sandboxes end can succeed.
 */
public final class SandboxCapacityException extends SandboxException {
    public SandboxCapacityException(String message) {
        super(message);
    }
}
