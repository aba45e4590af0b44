package io.agentbox.sandbox;

/**
 * A file operation failed: the path is refused by the confinement rules ({@link Reason#REFUSED}),
 * does not exist, is the wrong kind of file, or the sandbox's filesystem said no.
 */
public final class SandboxFileException extends SandboxException {
    public enum Reason { REFUSED, NOT_FOUND, NOT_A_DIRECTORY, IS_A_DIRECTORY, ALREADY_EXISTS, PERMISSION_DENIED, NO_SPACE, TOO_LARGE, OTHER }

    private final Reason reason;
    private final String path;

    public SandboxFileException(Reason reason, String path, String message) {
        super(message);
        this.reason = reason;
        this.path = path;
    }

    public Reason reason() {
        return reason;
    }

    public String path() {
        return path;
    }
}
