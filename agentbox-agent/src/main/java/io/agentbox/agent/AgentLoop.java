package io.agentbox.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.hook.StopHook;
import io.agentbox.agent.mcp.McpServers;
import io.agentbox.agent.model.ModelException;
import io.agentbox.agent.model.ModelListener;
import io.agentbox.agent.model.ModelRequest;
import io.agentbox.agent.model.ModelResponse;
import io.agentbox.agent.tools.Tool;
import io.agentbox.agent.tools.ToolOutput;
import io.agentbox.agent.tools.ToolUse;
import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.Resources;
import io.agentbox.sandbox.Sandbox;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One run of the agent: messages → model → tool calls → checks → tools in the sandbox → results →
 * repeat, until the model ends its turn, a limit is hit, or the run is canceled.
 */
final class AgentLoop {
    private static final String CONTINUE = "Your previous response was cut off by the output token limit. "
            + "Continue exactly where you stopped, without repeating anything.";

    private final AgentSession session;
    private final AgentOptions options;
    private final EventEmitter events;
    private final Cancellation cancellation;
    private final long startNanos = System.nanoTime();
    private volatile boolean timedOut;
    private Sandbox sandbox;
    private Resources resources;
    private int turns;
    private Usage usage = Usage.ZERO;
    private BigDecimal modelCost = BigDecimal.ZERO;
    private String lastText = "";
    private RunSpans spans;

    AgentLoop(AgentSession session, AgentOptions options, EventEmitter events, Cancellation cancellation) {
        this.session = session;
        this.options = options;
        this.events = events;
        this.cancellation = cancellation;
    }

    String lastText() {
        return lastText;
    }

    /** Runs to the end and returns the terminal event; never throws. */
    Event run(String prompt) {
        Thread watchdog = options.timeout().map(this::startWatchdog).orElse(null);
        spans = RunSpans.start(options.tracing(), session.id(), prompt);
        McpServers mcp = McpServers.none();
        boolean announced = false;
        String workdir = options.workingDirectory().orElse(options.sandboxSpec().workdir());
        try {
            // MCP servers need the sandbox (stdio ones run in it) and run.started lists them with their
            // tools, so with servers configured the sandbox comes first and its events follow run.started
            List<EventData> early = new ArrayList<>();
            if (!options.mcpServers().isEmpty()) {
                try {
                    sandbox = session.acquireSandbox(early::add);
                    mcp = McpServers.start(options.mcpServers(), sandbox, session.cwd().get(), options.mcpTimeouts(), events::emit);
                    McpServers servers = mcp;
                    cancellation.onCancel(() -> servers.cancel(cancellation.reason().orElse("the run was canceled")));
                } catch (RuntimeException e) {
                    announce(prompt, new ToolRunner(options, options.tools(), workdir, events, cancellation, c -> null).offered(), List.of());
                    announced = true;
                    early.forEach(events::emit);
                    throw e;
                }
            }
            List<Tool> all = new ArrayList<>(options.tools());
            all.addAll(mcp.tools());
            ToolRunner tools = new ToolRunner(options, all, workdir,
                    events, cancellation, call -> new RunToolContext(sandbox, events.runId(), call.id(), session.cwd(), cancellation, spans),
                    spans);
            List<Tool> offered = tools.offered();
            announce(prompt, offered, mcp.statuses());
            announced = true;
            early.forEach(events::emit);
            mcp.statuses().forEach(events::emit);
            if (sandbox == null) sandbox = session.acquireSandbox(events::emit);
            resources = sandbox.info().resources();
            String system = SystemPrompt.build(options, session.cwd().get(), sandbox.info());
            List<ObjectNode> toolSpecs = offered.stream().map(AgentLoop::toolSpec).toList();
            Compactor compactor = new Compactor(options, events, cancellation, toolSpecs, this::account);
            session.addUser(List.of(Blocks.text(prompt)));
            boolean compactedForLength = false;
            while (true) {
                checkLimits(true);
                compactor.maybeCompact(session, system);
                ModelResponse response;
                Span chat = spans.startChat(options.model(), options.maxTokens());
                try (Scope ignored = chat.makeCurrent()) {
                    response = options.modelClient().send(new ModelRequest(options.model(), system, session.history(), toolSpecs,
                            options.maxTokens(), options.thinkingBudget()), streamTo(), cancellation);
                } catch (RuntimeException e) {
                    RunSpans.fail(chat, e instanceof AgentboxException a ? a.category().wireName() : e.getClass().getName(), String.valueOf(e.getMessage()));
                    if (!(e instanceof ModelException m) || !m.contextTooLong() || compactedForLength) throw e;
                    compactedForLength = true;
                    compactor.compact(session, system);
                    continue;
                }
                compactedForLength = false;
                spans.endChat(chat, response);
                account(response);
                compactor.observe(response.usage());
                boolean cut = "max_tokens".equals(response.stopReason());
                List<ObjectNode> content = Blocks.completeContent(response.content(), cut);
                session.addAssistant(content);
                Blocks.lastText(content).ifPresent(t -> lastText = t);
                List<ToolUse> calls = Blocks.toolUses(content);
                if (calls.isEmpty()) {
                    // a paused turn (long server-side work) goes on when its message is sent back as is
                    if ("pause_turn".equals(response.stopReason()) && !content.isEmpty()) continue;
                    if ("model_context_window_exceeded".equals(response.stopReason())) {
                        compactor.compact(session, system);
                        session.addUser(List.of(Blocks.text(CONTINUE)));
                        continue;
                    }
                    if (cut) {
                        session.addUser(List.of(Blocks.text(CONTINUE)));
                        continue;
                    }
                    Optional<String> more = stopHookMessage();
                    if (more.isPresent()) {
                        session.addUser(List.of(Blocks.text(more.get())));
                        continue;
                    }
                    return finish(new EventData.RunCompleted(lastText, elapsed().toMillis(), turns, usage, cost()));
                }
                List<ToolOutput> outputs = tools.runAll(calls);
                List<ObjectNode> results = new ArrayList<>();
                for (int i = 0; i < calls.size(); i++) results.add(Blocks.toolResult(calls.get(i).id(), outputs.get(i)));
                if (cut) results.add(Blocks.text(CONTINUE));
                session.addUser(results);
                checkLimits(false);
            }
        } catch (RuntimeException e) {
            if (!announced) announce(prompt, List.of(), List.of());
            return finish(failure(e));
        } finally {
            if (watchdog != null) watchdog.interrupt();
            mcp.close();
        }
    }

    private void announce(String prompt, List<Tool> offered, List<EventData.McpServerStatus> mcpServers) {
        events.emit(new EventData.RunStarted(session.id(), options.model(), prompt, offered.stream().map(Tool::name).toList(),
                options.permissionMode().wireName(), options.workingDirectory().orElse(options.sandboxSpec().workdir()), mcpServers,
                spans.traceId()));
    }

    private ModelListener streamTo() {
        return new ModelListener() {
            @Override public void onTextDelta(String text) { events.emit(new EventData.TextDelta(text)); }
            @Override public void onThinkingDelta(String thinking) { events.emit(new EventData.ThinkingDelta(thinking)); }

            @Override
            public void onBlock(ObjectNode block) {
                switch (block.path("type").asText()) {
                    case "text" -> events.emit(new EventData.Text(block.path("text").asText()));
                    case "thinking" -> events.emit(new EventData.Thinking(block.path("thinking").asText()));
                    default -> { }
                }
            }

            @Override
            public void onRetry(int attempt, int maxRetries, long delayMs, ErrorCategory category, int status, String message) {
                events.emit(new EventData.Retry(attempt, maxRetries, delayMs, category, status, message));
            }
        };
    }

    private void account(ModelResponse r) {
        turns++;
        usage = usage.plus(r.usage());
        BigDecimal callCost = options.pricing().modelCost(r.model(), r.usage(), r.cacheWrite1hTokens());
        modelCost = modelCost.add(callCost);
        events.emit(new EventData.ModelUsage(r.model(), r.id(), r.usage(), callCost));
    }

    /** Throws the typed error of the first limit reached; {@code beforeCall} also checks the turn limit. */
    private void checkLimits(boolean beforeCall) {
        if (cancellation.isCanceled()) throw ToolRunner.canceled(cancellation.reason().orElse("canceled"));
        if (beforeCall && options.maxTurns().isPresent() && turns >= options.maxTurns().getAsInt()) {
            throw new AgentboxException(AgentErrorCategory.MAX_TURNS, "reached the maximum of " + turns + " turns");
        }
        if (options.maxBudgetUsd().isPresent() && cost().total().compareTo(options.maxBudgetUsd().get()) >= 0) {
            throw new AgentboxException(AgentErrorCategory.BUDGET_EXCEEDED, "spent $" + cost().total().toPlainString()
                    + " of the $" + options.maxBudgetUsd().get().toPlainString() + " budget");
        }
    }

    private Optional<String> stopHookMessage() {
        for (StopHook hook : options.stopHooks()) {
            Optional<String> more;
            try {
                more = hook.onStop(lastText);
            } catch (RuntimeException e) {
                continue; // a failing hook cannot keep the run going
            }
            if (more.isPresent()) return more;
        }
        return Optional.empty();
    }

    private EventData failure(RuntimeException e) {
        long ms = elapsed().toMillis();
        if (timedOut) {
            return new EventData.RunFailed(AgentErrorCategory.TIMEOUT, "the run exceeded its wall-clock limit of "
                    + Durations.format(options.timeout().orElseThrow()), ms, turns, usage, cost());
        }
        if (cancellation.isCanceled()) {
            return new EventData.RunCanceled(cancellation.reason().orElse("canceled"), ms, turns, usage, cost());
        }
        if (e instanceof AgentboxException a) return new EventData.RunFailed(a.category(), a.getMessage(), ms, turns, usage, cost());
        return new EventData.RunFailed(ErrorCategory.INTERNAL, String.valueOf(e), ms, turns, usage, cost());
    }

    private Event finish(EventData terminal) {
        session.closeDanglingToolUses();
        session.addTotals(turns, usage, cost());
        Event e = events.emit(terminal);
        switch (terminal) {
            case EventData.RunFailed f -> spans.end("failed", Optional.of(f.category().wireName()), Optional.of(f.message()), turns, cost().total().doubleValue());
            case EventData.RunCanceled c -> spans.end("canceled", Optional.of("canceled"), Optional.of(c.reason()), turns, cost().total().doubleValue());
            default -> spans.end("succeeded", Optional.empty(), Optional.empty(), turns, cost().total().doubleValue());
        }
        return e;
    }

    private Cost cost() {
        BigDecimal sandboxCost = resources == null ? BigDecimal.ZERO
                : options.pricing().sandboxCost(resources.cpus(), resources.memoryMb(), elapsed());
        return Cost.of(modelCost, sandboxCost);
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private Thread startWatchdog(Duration limit) {
        return Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(limit);
                timedOut = true;
                cancellation.cancel("the run exceeded its wall-clock limit of " + Durations.format(limit));
            } catch (InterruptedException ignored) {
                // the run ended first
            }
        });
    }

    private static ObjectNode toolSpec(Tool t) {
        ObjectNode spec = Blocks.object();
        spec.put("name", t.name());
        spec.put("description", t.description());
        spec.set("input_schema", t.inputSchema());
        return spec;
    }
}
