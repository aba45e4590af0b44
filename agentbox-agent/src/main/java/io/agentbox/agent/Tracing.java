package io.agentbox.agent;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.context.Context;

import java.util.Objects;

/**
 * How an agent's runs are traced with OpenTelemetry: a span per run, per model call (GenAI semantic
 * conventions), per tool call and per command in the sandbox. {@link #off()} (the default) costs a few
 * no-op calls per turn.
 *
 * @param openTelemetry where spans go (an SDK the caller configured, e.g. from the {@code OTEL_*} variables)
 * @param parent        the context a run's span is a child of (e.g. the HTTP request that started it)
 * @param runAttributes added to every run span (e.g. the server's run and workspace ids)
 * @param content       prompts, tool inputs and outputs and commands go into spans (off by default: they may be
 *                      private); the caller's exporter still redacts secrets
 */
public record Tracing(OpenTelemetry openTelemetry, Context parent, Attributes runAttributes, boolean content) {
    private static final Tracing OFF = new Tracing(OpenTelemetry.noop(), Context.root(), Attributes.empty(), false);

    public Tracing {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        Objects.requireNonNull(parent, "parent");
        Objects.requireNonNull(runAttributes, "runAttributes");
    }

    public static Tracing off() {
        return OFF;
    }

    public static Tracing of(OpenTelemetry openTelemetry, boolean content) {
        return new Tracing(openTelemetry, Context.root(), Attributes.empty(), content);
    }

    public Tracing withParent(Context context) {
        return new Tracing(openTelemetry, context, runAttributes, content);
    }

    public Tracing withRunAttributes(Attributes attributes) {
        return new Tracing(openTelemetry, parent, runAttributes.toBuilder().putAll(attributes).build(), content);
    }
}
