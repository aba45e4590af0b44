package io.agentbox.sandbox;

import java.nio.file.Path;
import java.time.Duration;

/** Run in a child JVM by {@link CrossProcessTest}: creates a sandbox, prints its id, then waits to be killed. */
public final class CreateSandboxMain {
    public static void main(String[] args) throws Exception {
        SandboxProvider provider = Sandboxes.local(Path.of(args[0]));
        Sandbox s = provider.create(SandboxSpec.builder().timeout(Durations.parse(args[1])).metadata("creator", "child").build());
        s.commands().start(Command.of("sleep", "1000"));
        System.out.println(s.id());
        System.out.flush();
        Thread.sleep(Duration.ofHours(1));
    }
}
