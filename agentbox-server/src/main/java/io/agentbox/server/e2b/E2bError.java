package io.agentbox.server.e2b;

/**
 * A failure on the E2B planes. REST routes answer {@code {"code": status, "message"}} (the SDK reads the
 * numeric code); Connect RPCs answer {@code {"code": "<connect code>", "message"}} with {@link #connectCode}.
 */
final class E2bError extends RuntimeException {
    private final int status;
    private final String connectCode;
    private final long retryAfterSeconds;

    E2bError(int status, String connectCode, String message) {
        this(status, connectCode, message, 0);
    }

    private E2bError(int status, String connectCode, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.connectCode = connectCode;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    int status() { return status; }

    String connectCode() { return connectCode; }

    long retryAfterSeconds() { return retryAfterSeconds; }

    static E2bError badRequest(String message) { return new E2bError(400, "invalid_argument", message); }

    static E2bError unauthorized(String message) { return new E2bError(401, "unauthenticated", message); }

    static E2bError forbidden(String message) { return new E2bError(403, "permission_denied", message); }

    static E2bError notFound(String message) { return new E2bError(404, "not_found", message); }

    static E2bError conflict(String message) { return new E2bError(409, "already_exists", message); }

    static E2bError tooLarge(String message) { return new E2bError(413, "resource_exhausted", message); }

    static E2bError rateLimited(long retryAfterSeconds) {
        return new E2bError(429, "resource_exhausted", "rate limit exceeded; retry in " + retryAfterSeconds + "s", retryAfterSeconds);
    }

    static E2bError notImplemented(String message) { return new E2bError(501, "unimplemented", message); }

    /** What the E2B proxy answers for a sandbox that is gone; the SDK turns it into its sandbox-timeout errors. */
    static E2bError sandboxGone(String id) { return new E2bError(502, "unavailable", "sandbox " + id + " is not running"); }

    static E2bError internal(String message) { return new E2bError(500, "internal", message); }
}
