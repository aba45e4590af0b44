package io.agentbox.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * A command running in a sandbox (started with {@link Commands#start}). The process keeps running
 * when this handle is dropped or the creating JVM exits; it ends with the sandbox.
 */
public interface CommandHandle {
    /** The process id inside the sandbox. */
    int pid();

    void sendStdin(byte[] data);

    default void sendStdin(String data) {
        sendStdin(data.getBytes(StandardCharsets.UTF_8));
    }

    /** Closes the command's stdin (end of file). */
    void closeStdin();

    /** Kills the command and its process group; a no-op once it has ended. */
    void kill();

    /** Waits for the end. */
    CommandResult await();

    /** Waits at most {@code timeout}; empty if it is still running then. */
    Optional<CommandResult> await(Duration timeout);
}
