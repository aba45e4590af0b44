package io.agentbox.server.http;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * A failure that becomes an HTTP answer {@code {"error": {"code", "message"}}} with {@link #status()}.
 * Only server faults (5xx) carry the {@code internal} category; the rest are the client's input.
 */
public final class ApiException extends AgentboxException {
    private final int status;
    private final String code;
    private final OptionalLong retryAfterSeconds;
    private final Optional<String> limit;

    public ApiException(int status, String code, String message) {
        this(status, code, message, OptionalLong.empty(), Optional.empty());
    }

    private ApiException(int status, String code, String message, OptionalLong retryAfterSeconds, Optional<String> limit) {
        super(status >= 500 ? ErrorCategory.INTERNAL : ErrorCategory.CONFIG, message);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
        this.limit = limit;
    }

    public int status() { return status; }

    public String code() { return code; }

    public OptionalLong retryAfterSeconds() { return retryAfterSeconds; }

    /** The server setting whose limit the request hit (e.g. {@code sandbox-max-memory}), sent as {@code error.limit}. */
    public Optional<String> limit() { return limit; }

    /** 400: the request asks for more than a per-sandbox maximum allows; {@code setting} names that maximum. */
    public static ApiException overLimit(String setting, String message) {
        return new ApiException(400, "limit_exceeded", message + " (server limit " + setting + ")", OptionalLong.empty(), Optional.of(setting));
    }

    /** 429: the request would take the workspace over a quota; {@code setting} names it. Retrying helps once something is freed. */
    public static ApiException quotaExceeded(String setting, String message) {
        return new ApiException(429, "quota_exceeded", message + " (server limit " + setting + ")", OptionalLong.empty(), Optional.of(setting));
    }

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
                OptionalLong.of(retryAfterSeconds), Optional.empty());
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, "unavailable", message);
    }
}
