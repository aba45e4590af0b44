package io.agentbox.sandbox;

/** No live sandbox has this id (never existed, killed, or expired). */
public final class SandboxNotFoundException extends SandboxException {
    private final String sandboxId;

    public SandboxNotFoundException(String sandboxId) {
        super("sandbox not found: " + sandboxId + " (it was killed, expired, or never existed)");
        this.sandboxId = sandboxId;
    }

    public String sandboxId() {
        return sandboxId;
    }
}
