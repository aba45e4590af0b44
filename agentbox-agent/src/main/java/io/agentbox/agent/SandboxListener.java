package io.agentbox.agent;

import io.agentbox.sandbox.Sandbox;

import java.util.Optional;

/**
 * What happens to the sandbox a session owns, for a caller that keeps its own books (the server records
 * each sandbox, its workspace and its end). The session does the work (create, reconnect, recreate, renew,
 * kill); a listener only hears of it, on the thread that did it. A listener that throws from
 * {@link #created} refuses the sandbox: the session kills it and the run fails.
 */
public interface SandboxListener {
    SandboxListener NONE = new SandboxListener() { };

    /**
     * The session created a sandbox, before anything runs in it; {@code replaces} is the session's previous
     * sandbox when that one had ended (expired or killed) and this one takes its place.
     */
    default void created(Sandbox sandbox, Optional<String> replaces) { }

    /** A run of the session is about to use the sandbox: just created, reconnected, or given with {@code useSandbox}. */
    default void acquired(Sandbox sandbox) { }

    /** The session killed the sandbox it owned ({@link AgentSession#end}, or {@link AgentSession#close} without keep). */
    default void ended(String sandboxId) { }
}
