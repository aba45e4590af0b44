package io.agentbox.sandbox;

import java.time.Instant;
import java.util.Optional;

/** One entry of a sandbox's filesystem. Symlinks are reported as such, never followed. */
public record FileInfo(String path, String name, Type type, long size, int mode, Instant modifiedAt,
                       Optional<String> symlinkTarget) {
    public enum Type { FILE, DIRECTORY, SYMLINK, OTHER }

    public boolean isDirectory() {
        return type == Type.DIRECTORY;
    }
}
