package io.agentbox.agent;

import io.agentbox.agent.event.Event;
import io.agentbox.agent.model.ModelClient;
import io.agentbox.sandbox.SandboxSpec;

import java.util.Locale;

/**
 * What drives a run: the {@linkplain #nativeLoop() native} loop in this JVM (tools called through the
 * sandbox API), or {@linkplain #claudeCode() Claude Code} itself, the CLI running inside the sandbox.
 * Both take the same {@link AgentOptions}, emit the same events and end with the same result.
 */
public abstract sealed class AgentRuntime permits AgentRuntime.Native, ClaudeCodeRuntime {
    public static final String NATIVE = "native";
    public static final String CLAUDE_CODE = "claude-code";

    AgentRuntime() {}

    /** The default: the agent loop in Java. */
    public static AgentRuntime nativeLoop() {
        return Native.INSTANCE;
    }

    /** Claude Code from {@code agentbox runtime install claude-code} (in {@code AGENTBOX_HOME}), or the template's {@code claude}. */
    public static ClaudeCodeRuntime claudeCode() {
        return ClaudeCodeRuntime.builder().build();
    }

    /** {@code native} or {@code claude-code}. */
    public static AgentRuntime parse(String name) {
        return switch (name == null ? "" : name.strip().toLowerCase(Locale.ROOT)) {
            case NATIVE -> nativeLoop();
            case CLAUDE_CODE -> claudeCode();
            default -> throw new IllegalArgumentException("unknown runtime '" + name + "' (expected native or claude-code)");
        };
    }

    /** {@code native} or {@code claude-code}. */
    public abstract String name();

    /**
     * The sandbox spec this runtime needs, from the one the user asked for. Callers that create the
     * run's sandbox themselves pass their spec through here first; the agent does so for those it creates.
     */
    public SandboxSpec sandboxSpec(SandboxSpec spec, ModelClient client) {
        return spec;
    }

    /** Runs one turn of {@code session} to its end; never throws. */
    abstract Outcome run(AgentSession session, AgentOptions options, EventEmitter events, Cancellation cancellation, String prompt);

    /** The terminal event, and the last text the model wrote (the result of a run that did not complete). */
    record Outcome(Event terminal, String lastText) {}

    @Override
    public String toString() {
        return name();
    }

    static final class Native extends AgentRuntime {
        static final Native INSTANCE = new Native();

        @Override
        public String name() {
            return NATIVE;
        }

        @Override
        Outcome run(AgentSession session, AgentOptions options, EventEmitter events, Cancellation cancellation, String prompt) {
            AgentLoop loop = new AgentLoop(session, options, events, cancellation);
            Event terminal = loop.run(prompt);
            return new Outcome(terminal, loop.lastText());
        }
    }
}
