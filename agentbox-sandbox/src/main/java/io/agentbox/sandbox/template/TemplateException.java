package io.agentbox.sandbox.template;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;

/**
 * A template could not be parsed, built, found or removed. The category tells why: {@code config} for a bad
 * spec or a host that lacks what a build needs, {@code sandbox_error} for a template in use or a failed
 * build, {@code canceled} for an interrupted build.
 */
public class TemplateException extends AgentboxException {
    public TemplateException(ErrorCategory category, String message) {
        super(category, message);
    }

    public TemplateException(ErrorCategory category, String message, Throwable cause) {
        super(category, message, cause);
    }
}
