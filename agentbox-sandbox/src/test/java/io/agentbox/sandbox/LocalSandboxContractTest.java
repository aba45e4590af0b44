package io.agentbox.sandbox;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The provider contract on local bubblewrap sandboxes. */
class LocalSandboxContractTest extends SandboxContract {
    @RegisterExtension
    static TestSandboxes sandboxes = new TestSandboxes();

    @Override
    protected SandboxProvider provider() {
        return sandboxes.provider();
    }
}
