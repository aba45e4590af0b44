package io.agentbox.sandbox;

import java.util.List;

/**
 * Creates and finds sandboxes. The local provider ({@link Sandboxes#local()}) runs them on this
 * machine with bubblewrap; a sandbox is addressable by id from any process of the machine.
 */
public interface SandboxProvider {
    /** Creates a sandbox and returns once it accepts commands. Nothing is left behind on failure. */
    Sandbox create(SandboxSpec spec);

    /** A handle on a live sandbox, possibly created by another process. */
    Sandbox connect(String id);

    /** Live sandboxes that match the query. */
    List<SandboxInfo> list(SandboxQuery query);

    /** Ends the sandbox and everything in it; false when no live sandbox has this id. */
    boolean kill(String id);

    /**
     * This provider with warm pools in front of it; the returned provider owns the pooled sandboxes
     * and kills them on {@code close()}. Providers that cannot pool refuse.
     */
    default PooledSandboxProvider withPool(Pool... pools) {
        throw new SandboxException("this sandbox provider cannot keep a warm pool");
    }
}
