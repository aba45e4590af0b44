package io.agentbox;

import java.util.Objects;

/**
 * The one exception hierarchy of agentbox. Every failure carries a typed {@link ErrorCategory}, so
 * callers branch on the category instead of parsing messages. Unchecked: callers that cannot act on
 * a failure should not have to declare it.
 */
public class AgentboxException extends RuntimeException {
    private final ErrorCategory category;

    public AgentboxException(ErrorCategory category, String message) {
        this(category, message, null);
    }

    public AgentboxException(ErrorCategory category, String message, Throwable cause) {
        super(message, cause);
        this.category = Objects.requireNonNull(category, "category");
    }

    public ErrorCategory category() {
        return category;
    }
}
