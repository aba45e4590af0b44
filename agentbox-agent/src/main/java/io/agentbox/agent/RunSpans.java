package io.agentbox.agent;

import io.agentbox.agent.model.ModelResponse;
import io.agentbox.agent.tools.ToolOutput;
import io.agentbox.agent.tools.ToolUse;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

import java.util.List;
import java.util.Optional;

/**
 * The spans of one run: {@code invoke_agent} → {@code chat MODEL} (each model call) → {@code execute_tool NAME}
 * (the calls that response asked for) → {@code sandbox.exec} (commands the tool ran). Attribute names follow
 * the OpenTelemetry GenAI semantic conventions where they have one.
 */
final class RunSpans {
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> AGENT_NAME = AttributeKey.stringKey("gen_ai.agent.name");
    static final AttributeKey<String> CONVERSATION = AttributeKey.stringKey("gen_ai.conversation.id");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<Long> MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<Long> CACHE_CREATION_TOKENS = AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens");
    static final AttributeKey<Long> CACHE_READ_TOKENS = AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
    static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
    static final AttributeKey<String> TOOL_CALL_ID = AttributeKey.stringKey("gen_ai.tool.call.id");
    static final AttributeKey<String> TOOL_ARGUMENTS = AttributeKey.stringKey("gen_ai.tool.call.arguments");
    static final AttributeKey<String> TOOL_RESULT = AttributeKey.stringKey("gen_ai.tool.call.result");
    static final AttributeKey<String> PROMPT = AttributeKey.stringKey("agentbox.prompt");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> SANDBOX_ID = AttributeKey.stringKey("agentbox.sandbox.id");
    static final AttributeKey<String> COMMAND = AttributeKey.stringKey("agentbox.exec.command");
    static final AttributeKey<Long> EXIT_CODE = AttributeKey.longKey("process.exit.code");
    static final AttributeKey<Long> TURNS = AttributeKey.longKey("agentbox.turns");
    static final AttributeKey<Double> COST = AttributeKey.doubleKey("agentbox.cost_usd");

    private final Tracing tracing;
    private final Tracer tracer;
    private final Span run;
    private volatile Context toolParent;

    private RunSpans(Tracing tracing, Span run) {
        this.tracing = tracing;
        this.tracer = tracer(tracing);
        this.run = run;
        this.toolParent = tracing.parent().with(run);
    }

    private static Tracer tracer(Tracing t) {
        return t.openTelemetry().getTracer("io.agentbox.agent");
    }

    static RunSpans start(Tracing tracing, String sessionId, String prompt) {
        Span run = tracer(tracing).spanBuilder("invoke_agent agentbox").setParent(tracing.parent()).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(OPERATION, "invoke_agent").setAttribute(PROVIDER, "anthropic").setAttribute(AGENT_NAME, "agentbox")
                .setAttribute(CONVERSATION, sessionId).setAllAttributes(tracing.runAttributes()).startSpan();
        if (tracing.content()) run.setAttribute(PROMPT, prompt);
        return new RunSpans(tracing, run);
    }

    /** Spans of an untraced run: no-ops. */
    static RunSpans off() {
        return start(Tracing.off(), "", "");
    }

    /** The trace id (32 hex digits) when this run is traced. */
    Optional<String> traceId() {
        return run.getSpanContext().isValid() ? Optional.of(run.getSpanContext().getTraceId()) : Optional.empty();
    }

    Span startChat(String model, int maxTokens) {
        return tracer.spanBuilder("chat " + model).setParent(Context.root().with(run)).setSpanKind(SpanKind.CLIENT)
                .setAttribute(OPERATION, "chat").setAttribute(PROVIDER, "anthropic").setAttribute(REQUEST_MODEL, model)
                .setAttribute(MAX_TOKENS, (long) maxTokens).startSpan();
    }

    /** Ends a model call; the tool calls its response asks for become its children. */
    void endChat(Span chat, ModelResponse r) {
        chat.setAttribute(RESPONSE_MODEL, r.model());
        chat.setAttribute(RESPONSE_ID, r.id());
        if (r.stopReason() != null) chat.setAttribute(FINISH_REASONS, List.of(r.stopReason()));
        chat.setAttribute(INPUT_TOKENS, r.usage().inputTokens());
        chat.setAttribute(OUTPUT_TOKENS, r.usage().outputTokens());
        chat.setAttribute(CACHE_CREATION_TOKENS, r.usage().cacheCreationInputTokens());
        chat.setAttribute(CACHE_READ_TOKENS, r.usage().cacheReadInputTokens());
        chat.end();
        toolParent = Context.root().with(chat);
    }

    static void fail(Span span, String errorType, String message) {
        span.setAttribute(ERROR_TYPE, errorType);
        span.setStatus(StatusCode.ERROR, message);
        span.end();
    }

    Span startTool(ToolUse call) {
        Span s = tracer.spanBuilder("execute_tool " + call.name()).setParent(toolParent).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(OPERATION, "execute_tool").setAttribute(TOOL_NAME, call.name()).setAttribute(TOOL_CALL_ID, call.id())
                .startSpan();
        if (tracing.content()) s.setAttribute(TOOL_ARGUMENTS, call.input().toString());
        return s;
    }

    void endTool(Span tool, ToolOutput out) {
        if (tracing.content()) tool.setAttribute(TOOL_RESULT, out.content());
        if (out.isError()) {
            tool.setAttribute(ERROR_TYPE, "tool_error");
            tool.setStatus(StatusCode.ERROR);
        }
        tool.end();
    }

    /** A command in the sandbox, a child of the tool call running on this thread. */
    Span startExec(String sandboxId, Command command) {
        Span s = tracer.spanBuilder("sandbox.exec").setParent(Context.current()).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(SANDBOX_ID, sandboxId).startSpan();
        if (tracing.content()) s.setAttribute(COMMAND, String.join(" ", command.argv()));
        return s;
    }

    static void endExec(Span exec, CommandResult r) {
        exec.setAttribute(EXIT_CODE, (long) r.exitCode());
        if (r.exitCode() != 0) exec.setStatus(StatusCode.ERROR, "exit " + r.exitCode());
        exec.end();
    }

    /** Ends the run's span with its outcome; a failed run's span is an error (and kept by the sampler that sees it). */
    void end(String status, Optional<String> errorCategory, Optional<String> message, int turns, double costUsd) {
        run.setAttribute(TURNS, (long) turns);
        run.setAttribute(COST, costUsd);
        run.setAttribute(AttributeKey.stringKey("agentbox.run.status"), status);
        if (errorCategory.isPresent() && !status.equals("canceled")) {
            run.setAttribute(ERROR_TYPE, errorCategory.get());
            run.setStatus(StatusCode.ERROR, message.orElse(errorCategory.get()));
        }
        run.end();
    }
}
