package io.agentbox.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this process's standard streams are connected to, and whether to use colour. */
public final class Terminal {
    public static final int STDIN = 0;
    public static final int STDOUT = 1;
    public static final int STDERR = 2;

    private Terminal() {}

    /** Whether the file descriptor is a terminal (Linux: where /proc/self/fd/N points). */
    public static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Colour on {@code fd} unless asked not to ({@code --no-color}, {@code NO_COLOR}, {@code TERM=dumb}) or it is not a terminal. */
    public static boolean colorFor(int fd, boolean noColorFlag) {
        String noColor = System.getenv("NO_COLOR");
        if (noColorFlag || (noColor != null && !noColor.isEmpty())) return false;
        if ("dumb".equals(System.getenv("TERM"))) return false;
        return isTerminal(fd);
    }
}
