package io.agentbox.agent;

import io.agentbox.Ids;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.EventListener;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.session.SessionState;
import io.agentbox.sandbox.Sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A multi-turn conversation: one sandbox kept between runs (its deadline pushed out while a run is
 * active) and the whole conversation kept as real API messages. Saved to the agent's session store
 * after every run, so another process can resume it; if its sandbox has ended by then, a new one is
 * created and a {@code sandbox.recreated} event says so. One run at a time. The session owns the
 * sandbox it creates and kills it on {@link #close} unless told to keep it.
 */
public final class AgentSession implements AutoCloseable {
    private final AgentOptions options;
    private final String id;
    private final Instant createdAt;
    private final List<ObjectNode> messages = new ArrayList<>();
    private final AtomicReference<String> cwd = new AtomicReference<>();
    private final SessionSandbox sandbox;
    private int turns;
    private Usage usage = Usage.ZERO;
    private Cost cost = Cost.ZERO;
    private Run active;

    private AgentSession(AgentOptions options, String id, Instant createdAt, Optional<String> sandboxId) {
        this.options = options;
        this.id = id;
        this.createdAt = createdAt;
        this.sandbox = new SessionSandbox(options, sandboxId);
    }

    static AgentSession create(AgentOptions options) {
        return new AgentSession(options, Ids.newId("ses"), Instant.now(), Optional.empty());
    }

    static AgentSession resume(AgentOptions options, SessionState state) {
        AgentSession s = new AgentSession(options, state.id(), state.createdAt(), state.sandboxId());
        s.messages.addAll(state.messages());
        s.cwd.set(state.cwd());
        s.turns = state.turns();
        s.usage = state.usage();
        s.cost = state.cost();
        return s;
    }

    public String id() {
        return id;
    }

    public Optional<String> sandboxId() {
        return sandbox.id();
    }

    /** Model calls over all runs of the session. */
    public synchronized int turns() {
        return turns;
    }

    public synchronized Usage usage() {
        return usage;
    }

    public synchronized Cost cost() {
        return cost;
    }

    /** The conversation as sent to the API. */
    public synchronized List<ObjectNode> messages() {
        return messages.stream().map(ObjectNode::deepCopy).toList();
    }

    public AgentResult run(String prompt, EventListener listener) {
        return start(prompt, listener).await();
    }

    /** Starts the next turn; throws {@link IllegalStateException} while another run of the session is active. */
    public AgentRun start(String prompt, EventListener listener) {
        return start(prompt, listener, false);
    }

    synchronized AgentRun start(String prompt, EventListener listener, boolean killSandboxAfter) {
        if (active != null && !active.done.isDone()) throw new IllegalStateException("a run of session " + id + " is still active");
        Run run = new Run(Ids.newId("run"));
        active = run;
        EventEmitter events = new EventEmitter(run.runId, listener);
        Thread.ofVirtual().name(run.runId).start(() -> {
            try {
                AgentRuntime.Outcome outcome;
                try {
                    outcome = options.runtime().run(this, options, events, run.cancellation, prompt);
                } finally {
                    sandbox.release();
                }
                try {
                    if (killSandboxAfter) end();
                } finally {
                    save();
                }
                run.done.complete(AgentResult.of(outcome.terminal(), id, outcome.lastText()));
            } catch (Throwable t) {
                run.done.completeExceptionally(t);
            }
        });
        return run;
    }

    /**
     * Cancels an active run, waits for it, kills the sandbox the session owns unless {@code keepSandbox}
     * (a borrowed one is left alone), and saves the session, which stays resumable.
     */
    @Override
    public void close() {
        Run run;
        synchronized (this) {
            run = active;
        }
        if (run != null) {
            run.cancel("the session was closed");
            run.await();
        }
        try {
            if (sandbox.endsOnClose()) sandbox.end();
        } finally {
            save();
        }
    }

    /** Kills the session's sandbox now, kept or not (a borrowed one is left alone). The stored conversation stays resumable. */
    public void end() {
        sandbox.end();
    }

    /**
     * The session's sandbox, reconnected or created now when needed: to put files in before the first run
     * or take them out after the last. A run that finds it ended gets a new one ({@code sandbox.recreated}).
     */
    public Sandbox sandbox() {
        return sandbox.get();
    }

    // ---- used by the runtimes ----

    /** The session's sandbox for a run, created, reconnected or recreated as needed, with its deadline pushed out. */
    Sandbox acquireSandbox(java.util.function.Consumer<EventData> events) {
        Sandbox s = sandbox.acquire(events, turns() > 0);
        cwd.compareAndSet(null, options.workingDirectory().orElse(s.info().workdir()));
        return s;
    }

    AtomicReference<String> cwd() {
        return cwd;
    }

    /** Appends blocks as the user's; merged into the last message if it is the user's (the API wants alternation). */
    synchronized void addUser(List<ObjectNode> blocks) {
        if (blocks.isEmpty()) return;
        ObjectNode last = messages.isEmpty() ? null : messages.getLast();
        if (last != null && "user".equals(last.path("role").asText())) {
            ((ArrayNode) last.get("content")).addAll(blocks);
            return;
        }
        messages.add(message("user", blocks));
    }

    synchronized void addAssistant(List<ObjectNode> blocks) {
        if (!blocks.isEmpty()) messages.add(message("assistant", blocks));
    }

    /** A run that ended during its tools leaves tool_use blocks without results; the API needs one result each. */
    synchronized void closeDanglingToolUses() {
        if (messages.isEmpty() || !"assistant".equals(messages.getLast().path("role").asText())) return;
        List<ObjectNode> content = new ArrayList<>();
        messages.getLast().path("content").forEach(b -> content.add((ObjectNode) b));
        List<ObjectNode> results = Blocks.toolUses(content).stream()
                .map(u -> Blocks.toolResult(u.id(), io.agentbox.agent.tools.ToolOutput.error("Not run: the run ended first.")))
                .toList();
        addUser(results);
    }

    synchronized List<ObjectNode> history() {
        return List.copyOf(messages);
    }

    synchronized void replaceHistory(List<ObjectNode> replacement) {
        messages.clear();
        messages.addAll(replacement);
    }

    synchronized void addTotals(int runTurns, Usage runUsage, Cost runCost) {
        turns += runTurns;
        usage = usage.plus(runUsage);
        cost = cost.plus(runCost);
    }

    static ObjectNode message(String role, List<ObjectNode> blocks) {
        ObjectNode m = Events.mapper().createObjectNode();
        m.put("role", role);
        m.putArray("content").addAll(blocks);
        return m;
    }

    private void save() {
        SessionState state;
        synchronized (this) {
            state = new SessionState(id, createdAt, Instant.now(), options.model(), sandbox.id(),
                    Optional.ofNullable(cwd.get()).orElse(options.sandboxSpec().workdir()), messages, turns, usage, cost);
        }
        options.sessionStore().save(state);
    }

    private final class Run implements AgentRun {
        private final String runId;
        private final Cancellation cancellation = new Cancellation();
        private final CompletableFuture<AgentResult> done = new CompletableFuture<>();

        Run(String runId) {
            this.runId = runId;
        }

        @Override public String runId() { return runId; }
        @Override public String sessionId() { return id; }
        @Override public void cancel(String reason) { cancellation.cancel(reason); }

        @Override
        public AgentResult await() {
            return done.join();
        }

        @Override
        public Optional<AgentResult> await(Duration timeout) {
            try {
                return Optional.of(done.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (TimeoutException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }
}
