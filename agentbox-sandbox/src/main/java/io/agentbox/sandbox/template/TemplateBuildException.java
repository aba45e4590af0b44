package io.agentbox.sandbox.template;

import io.agentbox.ErrorCategory;

import java.util.List;

/** A build step failed. The message names the step and ends with the tail of its output. */
public final class TemplateBuildException extends TemplateException {
    private final String template;
    private final int step;
    private final String stepDescription;
    private final List<String> outputTail;

    TemplateBuildException(String template, int step, int total, String stepDescription, String failure, List<String> outputTail) {
        super(ErrorCategory.SANDBOX_ERROR, "template '" + template + "': step " + step + "/" + total + " (" + stepDescription + ") "
                + failure + (outputTail.isEmpty() ? ", no output" : "; last output:\n" + String.join("\n", outputTail)));
        this.template = template;
        this.step = step;
        this.stepDescription = stepDescription;
        this.outputTail = List.copyOf(outputTail);
    }

    public String template() {
        return template;
    }

    /** The failing step, counting from 1. */
    public int step() {
        return step;
    }

    public String stepDescription() {
        return stepDescription;
    }

    /** The last lines the failing step printed (stdout and stderr interleaved). */
    public List<String> outputTail() {
        return outputTail;
    }
}
