package io.agentbox.sandbox;

import java.util.List;

/** Runs processes inside one sandbox. Processes share the sandbox's files, loopback and limits. */
public interface Commands {
    /**
     * Runs the command to its end and returns how it ended. Output is streamed to the command's
     * listeners as it comes. A non-zero exit is a result, not an exception; limit hits are typed
     * ({@link CommandResult#reason()}). A command ends when its process exits: background children
     * it leaves behind keep running but do not hold the result back.
     */
    CommandResult run(Command command);

    /** Starts the command in the background and returns at once. */
    CommandHandle start(Command command);

    /** Re-attaches to a background process, e.g. one started by another JVM: output from now on goes to the listeners. */
    CommandHandle connect(int pid, OutputListener onStdout, OutputListener onStderr);

    /** Processes started through this API (running ones and those that ended recently). */
    List<ProcessInfo> list();

    /** Kills a process (and its process group); false if no such process is running. */
    boolean kill(int pid);
}
