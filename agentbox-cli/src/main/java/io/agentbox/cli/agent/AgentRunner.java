package io.agentbox.cli.agent;

import io.agentbox.server.log.Redactor;
import io.agentbox.server.telemetry.Telemetry;
import io.agentbox.agent.Agent;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.AgentRun;
import io.agentbox.agent.AgentRuntime;
import io.agentbox.agent.ClaudeCodeRuntime;
import io.agentbox.agent.AgentSession;
import io.agentbox.ConfigException;
import io.agentbox.agent.event.EventListener;
import io.agentbox.agent.model.ModelClient;
import io.agentbox.agent.output.EventFormatter;
import io.agentbox.agent.output.ExitCode;
import io.agentbox.agent.permission.PermissionCallback;
import io.agentbox.agent.permission.PermissionDecision;
import io.agentbox.agent.permission.PermissionMode;
import io.agentbox.agent.session.SessionState;
import io.agentbox.agent.session.SessionStore;
import io.agentbox.cli.Cli;
import io.agentbox.cli.Terminal;
import io.agentbox.ErrorCategory;
import io.agentbox.cli.CliException;
import io.agentbox.cli.Transfers;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * What {@code run}, {@code chat} and {@code demo} share: the session and its sandbox, the agent
 * built from the flags, Ctrl-C, and the rendering of a run's events.
 */
final class AgentRunner implements AutoCloseable {
    private final AgentFlags flags;
    private final PrintWriter out;
    private final PrintWriter err;
    /** A killed CLI leaves a sandbox that ends itself within this; the session renews it while a run is active. */
    static final Duration LEASE = Duration.ofMinutes(5);
    /** How long a kept sandbox (--keep, sessions, chat) waits for the next turn. */
    static final Duration KEPT = Duration.ofMinutes(30);

    private final AgentSession session;
    private final boolean keep;
    private final boolean color;
    private final Telemetry telemetry;
    private final AgentRuntime runtime;

    /**
     * Opens the session (new, or resumed per {@code --session}/{@code --continue}) and its sandbox.
     *
     * @param ask reads the answer to a permission question; empty: no one to ask (calls are denied)
     */
    AgentRunner(Cli cli, AgentFlags flags, ModelClient client, boolean keepByDefault, PrintWriter out, PrintWriter err,
                Optional<Function<String, String>> ask) {
        this(cli, flags, client, keepByDefault, out, err, ask, Optional.empty());
    }

    /** @param passthrough receives Claude Code's own lines when the runtime is claude-code */
    AgentRunner(Cli cli, AgentFlags flags, ModelClient client, boolean keepByDefault, PrintWriter out, PrintWriter err,
                Optional<Function<String, String>> ask, Optional<java.util.function.Consumer<String>> passthrough) {
        this.flags = flags;
        this.out = out;
        this.err = err;
        this.color = Terminal.colorFor(Terminal.STDERR, flags.noColor);
        SessionStore store = SessionStore.inDirectory(cli.home().resolve("sessions"));
        Optional<SessionState> prior = Optional.empty();
        if (flags.session != null && flags.session.id != null) {
            prior = Optional.of(store.load(flags.session.id)
                    .orElseThrow(() -> new ConfigException("no session '" + flags.session.id + "' in " + cli.home().resolve("sessions"))));
        } else if (flags.session != null && flags.session.latest) {
            prior = Optional.of(store.latest().orElseThrow(() -> new ConfigException("there is no session to continue")));
        }
        this.keep = flags.keep || keepByDefault || prior.isPresent();
        this.telemetry = Telemetry.fromEnvironment(System.getenv());
        if (telemetry.enabled()) Optional.ofNullable(System.getenv("ANTHROPIC_API_KEY")).filter(k -> !k.isBlank()).ifPresent(Redactor::register);

        SandboxProvider provider = cli.sandboxes();
        this.runtime = flags.runtime(cli.home(), passthrough);
        // the session owns the sandbox: created with a short deadline, renewed while a turn runs, then kept
        // for KEPT or killed when the runner closes
        SandboxSpec spec = flags.sandboxSpec().toBuilder().timeout(LEASE).idleTimeout(KEPT).build();
        Agent.Builder b = flags.apply(Agent.builder()).modelClient(client).sandbox(spec).runtime(runtime)
                .sandboxProvider(provider).sandboxLease(LEASE).keepSandbox(keep).sessionStore(store).tracing(telemetry.tracing());
        ask.filter(a -> flags.permissionMode == PermissionMode.DEFAULT || flags.permissionMode == PermissionMode.ACCEPT_EDITS)
                .ifPresent(a -> b.permissionCallback(permissions(a)));
        Agent agent = b.build();
        this.session = prior.isPresent() ? agent.resumeSession(prior.get().id()) : agent.newSession();
        try {
            Sandbox sandbox = session.sandbox(); // now, so that --upload lands before the first turn
            if (flags.upload != null) upload(sandbox, flags.upload, flags.uploadAll);
        } catch (RuntimeException e) {
            session.end();
            throw e;
        }
    }

    String sessionId() {
        return session.id();
    }

    AgentSession session() {
        return session;
    }

    String sandboxId() {
        return session.sandboxId().orElseThrow();
    }

    /** Whether Claude Code's own lines go to the passthrough (so the formatter prints nothing). */
    boolean passesThrough() {
        return runtime instanceof ClaudeCodeRuntime;
    }

    boolean color() {
        return color;
    }

    /** A renderer for {@code text} output on this process's terminal. */
    ConsoleRenderer renderer() {
        return ConsoleRenderer.forTerminal(out, err, flags.noColor, flags.quiet);
    }

    /** One line of JSON per formatted event, flushed as it comes. */
    EventListener printer(EventFormatter formatter) {
        return event -> {
            synchronized (out) {
                formatter.format(event).forEach(out::println);
                out.flush();
            }
        };
    }

    /** Runs one turn; Ctrl-C cancels it (and only it). */
    AgentResult turn(String prompt, EventListener listener) {
        AgentRun run = session.start(prompt, listener);
        Interrupts interrupts = Interrupts.handle(() -> run.cancel("canceled by the user (Ctrl-C)"));
        try {
            return run.await();
        } finally {
            interrupts.close();
        }
    }

    /** Copies the folder's content into the sandbox's workdir. */
    private void upload(Sandbox sandbox, Path dir, boolean all) {
        if (!Files.isDirectory(dir)) throw new CliException(ErrorCategory.CONFIG, "--upload needs a directory: " + dir);
        Transfers.upload(dir, sandbox.files(), sandbox.info().workdir(), all, err);
    }

    /** Copies the sandbox's workdir out; a failure is reported, not thrown, so the run's own outcome stands. */
    boolean download(RunCommand.DownloadRequest request) {
        try {
            Sandbox sandbox = session.sandbox();
            return Transfers.download(sandbox.files(), sandbox.info().workdir(), request.dir(), request.policy(), request.all(), err)
                    .complete();
        } catch (RuntimeException e) {
            notice("agentbox: --download failed: " + e.getMessage());
            return false;
        }
    }

    static int exitCode(AgentResult result) {
        return ExitCode.of(result).code();
    }

    void notice(String text) {
        err.println(text);
        err.flush();
    }

    /** Asks on the terminal; anything but y/yes denies. */
    private PermissionCallback permissions(Function<String, String> ask) {
        return (runId, call) -> CompletableFuture.supplyAsync(() -> {
            String answer = ask.apply("Allow " + call.name() + "(" + ConsoleRenderer.summary(call.name(), call.input()) + ")? [y/N] ");
            return answer != null && answer.strip().toLowerCase(Locale.ROOT).matches("y|yes")
                    ? PermissionDecision.allow()
                    : PermissionDecision.deny("the user declined this call");
        }, r -> Thread.ofPlatform().daemon().start(r));
    }

    /** Saves the session; kills the sandbox, or keeps it for the next turn. */
    @Override
    public void close() {
        try {
            session.close();
        } finally {
            telemetry.close(); // exports the run's spans before the process ends
        }
        if (keep && !flags.quiet) {
            notice(new ConsoleRenderer.Style(color).dim("sandbox " + sandboxId() + " kept for " + KEPT.toMinutes()
                    + "m · session " + session.id() + " · continue with: agentbox run --continue \"…\""));
        }
    }
}
