package io.agentbox.sandbox.local;

import io.agentbox.sandbox.SandboxFileException;

import java.util.ArrayDeque;
import java.util.Deque;

/** Normalizes paths given to the file API: relative to the workdir, {@code .} dropped, {@code ..} refused. */
final class SandboxPaths {
    private SandboxPaths() {}

    static String resolve(String workdir, String path) {
        if (path == null || path.isEmpty()) throw refused(String.valueOf(path), "the path is empty");
        if (path.indexOf('\0') >= 0) throw refused(path, "the path contains a NUL byte");
        String full = path.startsWith("/") ? path : workdir + "/" + path;
        Deque<String> parts = new ArrayDeque<>();
        for (String part : full.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) throw refused(path, "'..' is not allowed in sandbox paths");
            parts.addLast(part);
        }
        return "/" + String.join("/", parts);
    }

    private static SandboxFileException refused(String path, String why) {
        return new SandboxFileException(SandboxFileException.Reason.REFUSED, path, "path refused: " + path + " (" + why + ")");
    }
}
