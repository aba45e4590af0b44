package io.agentbox.sandbox;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The sandbox's filesystem. Paths are absolute inside the sandbox, or relative to its workdir.
 * Every path is confined: {@code ..} components, and symlinks whose target would leave the
 * sandbox's writable part or point at the host, are refused with a {@link SandboxFileException}
 * ({@code REFUSED}). Operations run as the sandbox user, inside the sandbox: symlinks are
 * resolved in the sandbox's root, never on the host.
 */
public interface Filesystem {
    /** The whole file. Host code reading what a sandbox wrote should prefer {@link #read(String, long)}. */
    byte[] read(String path);

    default String readText(String path) {
        return new String(read(path), StandardCharsets.UTF_8);
    }

    /**
     * The file if it holds at most {@code maxBytes} bytes. Counted as it streams, never trusted from
     * its size: a sparse 8 GB file, or one that grows while read, stops at the bound.
     *
     * @throws SandboxFileException {@code TOO_LARGE} past the bound (nothing more is read)
     */
    default byte[] read(String path, long maxBytes) {
        if (maxBytes < 0 || maxBytes >= Integer.MAX_VALUE - 8) throw new IllegalArgumentException("maxBytes out of range: " + maxBytes);
        try (InputStream in = openRead(path)) {
            byte[] content = in.readNBytes((int) maxBytes + 1);
            if (content.length > maxBytes) {
                throw new SandboxFileException(SandboxFileException.Reason.TOO_LARGE, path,
                        path + " is larger than " + maxBytes + " bytes");
            }
            return content;
        } catch (java.io.IOException e) {
            throw new SandboxException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** {@link #read(String, long)} as UTF-8 text. */
    default String readText(String path, long maxBytes) {
        return new String(read(path, maxBytes), StandardCharsets.UTF_8);
    }

    /** Streams a file's content; close the stream when done. */
    InputStream openRead(String path);

    /** Creates or replaces the file, creating missing parent directories. */
    void write(String path, byte[] content);

    default void write(String path, String content) {
        write(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Creates or replaces the file from a stream of any length. */
    void write(String path, InputStream content);

    /** Entries of a directory (not recursive), sorted by name. */
    List<FileInfo> list(String path);

    FileInfo stat(String path);

    boolean exists(String path);

    /** Creates the directory and missing parents; succeeds if it already exists. */
    void mkdir(String path);

    void move(String from, String to);

    /** Removes a file, or a directory with everything in it; succeeds if it does not exist. */
    void remove(String path);

    /**
     * Copies a host directory (recursively) or file into the sandbox. Host symlinks are copied as
     * symlinks, never followed, so a link to a host file cannot bring that file in.
     */
    void copyIn(Path hostSource, String sandboxTarget);

    /**
     * Copies a sandbox directory (recursively) or file out to the host. Sandbox symlinks are
     * skipped, so nothing written by the sandbox can make the host write outside {@code hostTarget}.
     */
    void copyOut(String sandboxSource, Path hostTarget);
}
