package io.agentbox.sandbox.transfer;

import io.agentbox.sandbox.FileInfo;
import io.agentbox.sandbox.Filesystem;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxFileException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Copies a sandbox file or directory out to the host, treating everything in it as hostile: at most
 * {@link Builder#maxBytes} bytes and {@link Builder#maxFiles} entries (counted as they stream, so a
 * sparse or growing file cannot get past), modes reduced to {@code rw-r--r--} or {@code rwxr-xr-x}
 * (never setuid or setgid), symlinks and special files left in the sandbox, and files that would run
 * by themselves on the host ({@link TransferRules#downloadSkip}) left out unless {@link Builder#includeAll}.
 */
public final class Download {
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    public static final long DEFAULT_MAX_FILES = 10_000;

    private final long maxBytes;
    private final long maxFiles;
    private final boolean includeAll;

    private Download(Builder b) {
        this.maxBytes = b.maxBytes;
        this.maxFiles = b.maxFiles;
        this.includeAll = b.includeAll;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private long maxBytes = DEFAULT_MAX_BYTES;
        private long maxFiles = DEFAULT_MAX_FILES;
        private boolean includeAll;

        private Builder() {}

        /** Total bytes written, at most; 0 for no limit. */
        public Builder maxBytes(long bytes) {
            if (bytes < 0) throw new IllegalArgumentException("maxBytes must not be negative");
            this.maxBytes = bytes;
            return this;
        }

        /** Files and directories written, at most; 0 for no limit. */
        public Builder maxFiles(long files) {
            if (files < 0) throw new IllegalArgumentException("maxFiles must not be negative");
            this.maxFiles = files;
            return this;
        }

        /** Write what the rules would leave out, too. */
        public Builder includeAll(boolean all) {
            this.includeAll = all;
            return this;
        }

        public Download build() {
            return new Download(this);
        }
    }

    /** Thrown inside the walk when a limit is reached; the walk ends, what was written stays. */
    private static final class LimitReached extends Exception {
        LimitReached(String message) {
            super(message, null, false, false);
        }
    }

    private final class Walk {
        final Filesystem files;
        final Path root;
        final List<TransferReport.Skipped> skipped = new ArrayList<>();
        long count;
        long bytes;

        Walk(Filesystem files, Path root) {
            this.files = files;
            this.root = root;
        }

        /** The rules see the whole host path: a download into {@code repo/.git} is caught as well as one of {@code .git}. */
        boolean admit(Path target, String relative, boolean directory) {
            Optional<String> reason = TransferRules.downloadSkip(target.toAbsolutePath().normalize().toString());
            if (reason.isEmpty()) return true;
            skipped.add(new TransferReport.Skipped(directory ? relative + "/" : relative, reason.get()));
            return includeAll;
        }

        void countEntry() throws LimitReached {
            if (maxFiles > 0 && count >= maxFiles) {
                throw new LimitReached("stopped at the limit of " + maxFiles + " files and directories");
            }
            count++;
        }

        void dir(String src, Path target, String relative) throws IOException, LimitReached {
            if (!relative.isEmpty() && !admit(target, relative, true)) return;
            countEntry();
            java.nio.file.Files.createDirectories(target);
            if (java.nio.file.Files.isSymbolicLink(target)) throw new IOException(target + " is a symlink; refusing to write through it");
            for (FileInfo e : files.list(src)) {
                // names come from readdir: never '/', '.' or '..', so the join stays under target
                Path dst = target.resolve(e.name());
                String rel = relative.isEmpty() ? e.name() : relative + "/" + e.name();
                switch (e.type()) {
                    case FILE -> file(e, dst, rel);
                    case DIRECTORY -> dir(e.path(), dst, rel);
                    default -> { } // symlinks and devices stay in the sandbox
                }
            }
        }

        void file(FileInfo info, Path dst, String relative) throws IOException, LimitReached {
            if (!admit(dst, relative, false)) return;
            countEntry();
            if (maxBytes > 0 && bytes + info.size() > maxBytes) throw overBytes(relative, info.size());
            boolean written = false;
            // NOFOLLOW_LINKS: a host symlink already at dst must not redirect the write elsewhere
            try (InputStream in = files.openRead(info.path());
                 OutputStream out = java.nio.file.Files.newOutputStream(dst, StandardOpenOption.CREATE,
                         StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0; ) {
                    // the size was checked before; a file that grows meanwhile is stopped here
                    if (maxBytes > 0 && bytes + n > maxBytes) throw overBytes(relative, info.size());
                    out.write(buf, 0, n);
                    bytes += n;
                }
                written = true;
            } finally {
                if (!written) java.nio.file.Files.deleteIfExists(dst);
            }
            // an explicit mode also clears setuid/setgid left on a file that was already there
            boolean exec = (info.mode() & 0100) != 0;
            java.nio.file.Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
        }

        LimitReached overBytes(String relative, long size) {
            return new LimitReached("stopped at the limit of " + maxBytes + " bytes, at " + relative + " (" + size + " bytes)");
        }
    }

    /**
     * Copies {@code sandboxSource} to {@code hostTarget} (a directory becomes that directory). A limit
     * ends the copy early, with {@link TransferReport#stopped} saying which; what was written stays.
     */
    public TransferReport copy(Filesystem files, String sandboxSource, Path hostTarget) {
        FileInfo top = files.stat(sandboxSource);
        Walk w = new Walk(files, hostTarget);
        Optional<String> stopped = Optional.empty();
        try {
            if (top.type() == FileInfo.Type.FILE) {
                if (hostTarget.getParent() != null) java.nio.file.Files.createDirectories(hostTarget.getParent());
                w.file(top, hostTarget, hostTarget.getFileName().toString());
            } else if (top.isDirectory()) {
                w.dir(top.path(), hostTarget, "");
            } else {
                throw new SandboxFileException(SandboxFileException.Reason.REFUSED, sandboxSource, "not copied: " + sandboxSource + " is a "
                        + top.type().name().toLowerCase(java.util.Locale.ROOT) + " (only files and directories are copied out)");
            }
        } catch (LimitReached e) {
            stopped = Optional.of(e.getMessage());
        } catch (IOException e) {
            throw new SandboxException("cannot copy " + sandboxSource + " out to " + hostTarget + ": " + e.getMessage(), e);
        }
        return new TransferReport(w.count, w.bytes, w.skipped, stopped);
    }
}
