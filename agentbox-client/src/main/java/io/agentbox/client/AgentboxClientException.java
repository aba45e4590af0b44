package io.agentbox.client;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.AgentErrorCategory;

/** An error answer from an agentbox server ({@code {"error": {"code", "message"}}}), or no answer at all. */
public final class AgentboxClientException extends AgentboxException {
    private final int status;
    private final String code;

    public AgentboxClientException(int status, String code, String message) {
        super(category(status), message);
        this.status = status;
        this.code = code;
    }

    private static ErrorCategory category(int status) {
        return switch (status) {
            case 401, 403 -> AgentErrorCategory.API_AUTH;
            case 429 -> AgentErrorCategory.API_RATE_LIMIT;
            case 0 -> AgentErrorCategory.API_ERROR;
            default -> status >= 500 ? AgentErrorCategory.API_ERROR : ErrorCategory.CONFIG;
        };
    }

    /** The HTTP status; 0 when the server could not be reached. */
    public int status() {
        return status;
    }

    /** The error code, e.g. {@code not_found}, {@code rate_limited}. */
    public String code() {
        return code;
    }
}
