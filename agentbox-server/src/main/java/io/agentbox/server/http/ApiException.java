package io.agentbox.server.http;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;

import java.util.OptionalLong;

/**
 * A failure that becomes an HTTP answer {@code {"error": {"code", "message"}}} with {@link #status()}.
 * Only server faults (5xx) carry the {@code internal} category; the rest are the client's input.
 */
public final class ApiException extends AgentboxException {
    private final int status;
    private final String code;
    private final OptionalLong retryAfterSeconds;

    public ApiException(int status, String code, String message) {
        this(status, code, message, OptionalLong.empty());
    }

    private ApiException(int status, String code, String message, OptionalLong retryAfterSeconds) {
        super(status >= 500 ? ErrorCategory.INTERNAL : ErrorCategory.CONFIG, message);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() { return status; }

    public String code() { return code; }

    public OptionalLong retryAfterSeconds() { return retryAfterSeconds; }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "invalid_request", message);
    }

    /** A 400 that names the offending field, e.g. {@code options.maxTurns}. */
    public static ApiException invalidField(String field, String problem) {
        return new ApiException(400, "invalid_request", "field '" + field + "' " + problem);
    }

    public static ApiException invalidJson(String message) {
        return new ApiException(400, "invalid_json", message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, "not_found", what + " not found");
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, "conflict", message);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, "payload_too_large", message);
    }

    public static ApiException budgetExceeded(String message) {
        return new ApiException(402, "budget_exceeded", message);
    }

    public static ApiException rateLimited(long retryAfterSeconds) {
        return new ApiException(429, "rate_limited", "rate limit exceeded; retry in " + retryAfterSeconds + "s",
                OptionalLong.of(retryAfterSeconds));
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, "unavailable", message);
    }
}
