package io.agentbox.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.claudecode.ClaudeCodeInstall;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.Events;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandHandle;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.OutputListener;
import io.agentbox.sandbox.Resources;
import io.agentbox.sandbox.Sandbox;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One turn with Claude Code: start {@code claude -p} in the sandbox, send the prompt as a stream-json user
 * message, map its lines to events until its {@code result}, and stop it (interrupt, SIGTERM, SIGKILL)
 * on cancel, timeout or budget. Claude Code's own session is kept in the sandbox's home and resumed on
 * the next turn.
 */
final class ClaudeCodeLoop {
    private static final String END = "\u0000end";
    private static final String HOME = "/home/user";
    /** How long each step of stopping waits before the next, harder one: three steps end within a second. */
    private static final Duration STOP_STEP = Duration.ofMillis(300);

    private final ClaudeCodeRuntime runtime;
    private final AgentSession session;
    private final AgentOptions options;
    private final EventEmitter events;
    private final Cancellation cancellation;
    private final long startNanos = System.nanoTime();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder stderr = new StringBuilder();
    private volatile boolean timedOut;
    private volatile boolean overBudget;
    private volatile CommandHandle process;
    private volatile Sandbox sandbox;
    private Resources resources;
    private ClaudeCodeStream stream;

    ClaudeCodeLoop(ClaudeCodeRuntime runtime, AgentSession session, AgentOptions options, EventEmitter events, Cancellation cancellation) {
        this.runtime = runtime;
        this.session = session;
        this.options = options;
        this.events = events;
        this.cancellation = cancellation;
    }

    AgentRuntime.Outcome run(String prompt) {
        Thread watchdog = options.timeout().map(this::startWatchdog).orElse(null);
        stream = new ClaudeCodeStream(options, events::emit, this::checkBudget);
        List<EventData> early = new ArrayList<>();
        boolean announced = false;
        try {
            sandbox = session.acquireSandbox(early::add);
            resources = sandbox.info().resources();
            String binary = binary(sandbox);
            UUID claudeSession = claudeSessionId(session.id());
            List<String> argv = ClaudeCodeArgs.argv(binary, options, claudeSession, resumable(sandbox, claudeSession));
            cancellation.onCancel(this::stop);
            process = sandbox.commands().start(Command.builder(argv).cwd(session.cwd().get()).env(env())
                    .outputLimit(0).onStdout(lineSplitter()).onStderr(OutputListener.text(this::keepStderr)).build());
            Thread.ofVirtual().start(() -> {
                process.await();
                lines.add(END);
            });
            process.sendStdin(userMessage(prompt) + "\n");
            if (cancellation.isCanceled()) stop();
            while (true) {
                String line = lines.poll(1, TimeUnit.MINUTES);
                if (line == null) continue;
                if (line.equals(END)) break;
                JsonNode json;
                try {
                    json = Events.mapper().readTree(line);
                } catch (Exception e) {
                    continue; // not one of its JSON lines (a warning)
                }
                runtime.passthrough().filter(p -> !"stream_event".equals(json.path("type").asText())).ifPresent(p -> p.accept(line));
                if (!announced && "system".equals(json.path("type").asText()) && "init".equals(json.path("subtype").asText())) {
                    announce(prompt, json.path("tools"));
                    announced = true;
                    early.forEach(events::emit);
                }
                if (!announced) continue;
                stream.accept(json);
                if (stream.result().isPresent()) process.closeStdin(); // the turn is over: let it exit
            }
            if (!announced) {
                announce(prompt, Events.mapper().createArrayNode());
                announced = true;
                early.forEach(events::emit);
            }
            return finish(terminal());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return finishFailure(new AgentboxException(ErrorCategory.CANCELED, "interrupted"), announced, prompt, early);
        } catch (RuntimeException e) {
            return finishFailure(e, announced, prompt, early);
        } finally {
            if (watchdog != null) watchdog.interrupt();
            CommandHandle p = process;
            if (p != null && p.await(Duration.ofSeconds(2)).isEmpty()) p.kill();
        }
    }

    private AgentRuntime.Outcome finishFailure(RuntimeException e, boolean announced, String prompt, List<EventData> early) {
        if (!announced) {
            announce(prompt, Events.mapper().createArrayNode());
            early.forEach(events::emit);
        }
        return finish(failure(e));
    }

    /** The executable: the mounted install, else {@code claude} from the template. */
    private static String binary(Sandbox sandbox) {
        for (String candidate : List.of(ClaudeCodeInstall.SANDBOX_BINARY, "/usr/local/bin/claude", "/usr/bin/claude")) {
            try {
                if (sandbox.files().exists(candidate)) return candidate;
            } catch (io.agentbox.sandbox.SandboxFileException e) {
                // not reachable for the user (no mount: /run/agentbox is init's alone), so not there
            }
        }
        throw new AgentboxException(ErrorCategory.CONFIG, ClaudeCodeInstall.NOT_INSTALLED);
    }

    /** Claude Code's session of ours: a fixed function of our session id, so every process finds it. */
    static UUID claudeSessionId(String sessionId) {
        return UUID.nameUUIDFromBytes(("agentbox-session:" + sessionId).getBytes(StandardCharsets.UTF_8));
    }

    /** Whether an earlier turn left Claude Code's transcript of this session in the sandbox's home. */
    private static boolean resumable(Sandbox sandbox, UUID id) {
        String projects = HOME + "/.claude/projects";
        if (!sandbox.files().exists(projects)) return false;
        return sandbox.files().list(projects).stream().filter(f -> f.isDirectory())
                .anyMatch(d -> sandbox.files().exists(projects + "/" + d.name() + "/" + id + ".jsonl"));
    }

    private java.util.Map<String, String> env() {
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("HOME", HOME);
        env.put("ANTHROPIC_BASE_URL", "http://" + ClaudeCodeRuntime.MODEL_HOST);
        // no update checks, telemetry or error reports: the model host is the only one it talks to
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.put("DISABLE_AUTOUPDATER", "1");
        runtime.maxRetries().ifPresent(n -> env.put("CLAUDE_CODE_MAX_RETRIES", String.valueOf(n)));
        options.thinkingBudget().ifPresent(n -> env.put("MAX_THINKING_TOKENS", String.valueOf(n)));
        return env;
    }

    private static String userMessage(String prompt) {
        ObjectNode m = Events.mapper().createObjectNode();
        m.put("type", "user");
        ObjectNode message = m.putObject("message");
        message.put("role", "user");
        message.putArray("content").addObject().put("type", "text").put("text", prompt);
        m.putNull("parent_tool_use_id");
        m.put("session_id", "");
        return m.toString();
    }

    private OutputListener lineSplitter() {
        StringBuilder partial = new StringBuilder();
        return OutputListener.text(chunk -> {
            synchronized (partial) {
                partial.append(chunk);
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    String line = partial.substring(0, nl);
                    partial.delete(0, nl + 1);
                    if (!line.isBlank()) lines.add(line);
                }
            }
        });
    }

    private void keepStderr(String chunk) {
        synchronized (stderr) {
            stderr.append(chunk);
            if (stderr.length() > 8192) stderr.delete(0, stderr.length() - 8192);
        }
    }

    private void announce(String prompt, JsonNode tools) {
        List<String> names = new ArrayList<>();
        tools.forEach(t -> names.add(t.asText()));
        events.emit(new EventData.RunStarted(session.id(), options.model(), prompt, names, options.permissionMode().wireName(),
                session.cwd().get() == null ? options.sandboxSpec().workdir() : session.cwd().get(), List.of()));
    }

    /** Over budget: stop Claude Code as on cancel; the run fails with {@code budget_exceeded}. */
    private void checkBudget() {
        if (options.maxBudgetUsd().isPresent() && cost().total().compareTo(options.maxBudgetUsd().get()) >= 0 && !overBudget) {
            overBudget = true;
            Thread.ofVirtual().start(this::stop);
        }
    }

    /** Interrupt (a control request, as the Agent SDK sends), then SIGTERM, then SIGKILL, each after a short wait. */
    private void stop() {
        CommandHandle p = process;
        if (p == null) return;
        try {
            ObjectNode interrupt = Events.mapper().createObjectNode();
            interrupt.put("type", "control_request");
            interrupt.put("request_id", "agentbox-interrupt");
            interrupt.putObject("request").put("subtype", "interrupt");
            p.sendStdin(interrupt + "\n");
        } catch (RuntimeException ignored) {
            // its stdin is gone: go on with the signals
        }
        if (p.await(STOP_STEP).isPresent()) return;
        try {
            sandbox.commands().run(Command.builder("kill", "-TERM", String.valueOf(p.pid())).timeout(STOP_STEP).build());
        } catch (RuntimeException ignored) {
            // it ended meanwhile
        }
        if (p.await(STOP_STEP).isPresent()) return;
        p.kill();
    }

    private EventData terminal() {
        long ms = elapsed().toMillis();
        int turns = stream.calls();
        if (timedOut) {
            return new EventData.RunFailed(AgentErrorCategory.TIMEOUT, "the run exceeded its wall-clock limit of "
                    + Durations.format(options.timeout().orElseThrow()), ms, turns, stream.usage(), cost());
        }
        if (overBudget) {
            return new EventData.RunFailed(AgentErrorCategory.BUDGET_EXCEEDED, "spent $" + cost().total().toPlainString()
                    + " of the $" + options.maxBudgetUsd().orElseThrow().toPlainString() + " budget", ms, turns, stream.usage(), cost());
        }
        if (cancellation.isCanceled()) return new EventData.RunCanceled(cancellation.reason().orElse("canceled"), ms, turns, stream.usage(), cost());
        Optional<JsonNode> result = stream.result();
        if (result.isEmpty()) {
            String why = lastLine(stderr.toString());
            return new EventData.RunFailed(ErrorCategory.INTERNAL, "Claude Code ended without a result"
                    + (why.isEmpty() ? "" : ": " + why), ms, turns, stream.usage(), cost());
        }
        JsonNode r = result.get();
        String subtype = r.path("subtype").asText();
        if (!r.path("is_error").asBoolean(false) && subtype.equals("success")) {
            Optional<BigDecimal> theirs = r.hasNonNull("total_cost_usd") ? Optional.of(r.path("total_cost_usd").decimalValue()) : Optional.empty();
            return new EventData.RunCompleted(r.path("result").asText(stream.lastText()), ms, turns, stream.usage(), cost(), theirs);
        }
        ErrorCategory category = switch (subtype) {
            case "error_max_turns" -> AgentErrorCategory.MAX_TURNS;
            case "error_max_budget_usd" -> AgentErrorCategory.BUDGET_EXCEEDED;
            default -> r.hasNonNull("api_error_status") ? ClaudeCodeStream.category(r.path("api_error_status").asInt())
                    : "api_error".equals(r.path("terminal_reason").asText()) ? AgentErrorCategory.API_ERROR : ErrorCategory.INTERNAL;
        };
        String message = category == AgentErrorCategory.MAX_TURNS ? "reached the maximum of " + options.maxTurns().orElse(turns) + " turns"
                : r.hasNonNull("result") ? r.path("result").asText() : "Claude Code failed: " + subtype;
        return new EventData.RunFailed(category, message, ms, turns, stream.usage(), cost());
    }

    private EventData failure(RuntimeException e) {
        long ms = elapsed().toMillis();
        int turns = stream.calls();
        if (cancellation.isCanceled() && !timedOut) return new EventData.RunCanceled(cancellation.reason().orElse("canceled"), ms, turns, stream.usage(), cost());
        ErrorCategory category = timedOut ? AgentErrorCategory.TIMEOUT : e instanceof AgentboxException a ? a.category() : ErrorCategory.INTERNAL;
        return new EventData.RunFailed(category, e instanceof AgentboxException ? e.getMessage() : String.valueOf(e), ms, turns, stream.usage(), cost());
    }

    private AgentRuntime.Outcome finish(EventData terminal) {
        session.addTotals(stream.calls(), stream.usage(), cost());
        Event e = events.emit(terminal);
        return new AgentRuntime.Outcome(e, stream.lastText());
    }

    private Cost cost() {
        BigDecimal sandboxCost = resources == null ? BigDecimal.ZERO
                : options.pricing().sandboxCost(resources.cpus(), resources.memoryMb(), elapsed());
        return Cost.of(stream.modelCost(), sandboxCost);
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static String lastLine(String text) {
        List<String> l = text.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
        return l.isEmpty() ? "" : l.getLast();
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
}
