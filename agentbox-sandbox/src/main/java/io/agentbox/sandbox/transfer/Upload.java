package io.agentbox.sandbox.transfer;

import io.agentbox.sandbox.Filesystem;
import io.agentbox.sandbox.SandboxException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Copies a host file or directory into a sandbox, leaving secret files out ({@link TransferRules#uploadSkip})
 * unless {@link Builder#includeSecrets}, and refusing the whole upload, before anything is copied, when
 * a file's content holds one of the {@link Builder#refuseContaining configured secrets} (the model key).
 */
public final class Upload {
    private final boolean includeSecrets;
    private final Map<String, byte[]> secrets;

    private Upload(Builder b) {
        this.includeSecrets = b.includeSecrets;
        this.secrets = Map.copyOf(b.secrets);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private boolean includeSecrets;
        private final Map<String, byte[]> secrets = new LinkedHashMap<>();

        private Builder() {}

        /** Upload files the rules call secret too (the caller says so to the user). */
        public Builder includeSecrets(boolean include) {
            this.includeSecrets = include;
            return this;
        }

        /** Refuse any file whose content contains {@code value}; errors name it by {@code name}, never by value. */
        public Builder refuseContaining(String name, Optional<String> value) {
            value.filter(v -> v.length() >= 8).ifPresent(v -> secrets.put(name, v.getBytes(StandardCharsets.UTF_8)));
            return this;
        }

        public Upload build() {
            return new Upload(this);
        }
    }

    private record Item(Path host, String relative, BasicFileAttributes attrs) {}

    /**
     * Copies {@code hostSource} to {@code sandboxTarget} (a directory's content goes under it).
     * Skipped entries are reported relative to {@code hostSource}; with {@link Builder#includeSecrets}
     * they are copied and still reported, so the caller can say what went in.
     *
     * @throws TransferRefusedException a file contains a configured secret; nothing was copied
     */
    public TransferReport copy(Path hostSource, Filesystem files, String sandboxTarget) {
        List<Item> plan = new ArrayList<>();
        List<TransferReport.Skipped> skipped = new ArrayList<>();
        try {
            BasicFileAttributes top = java.nio.file.Files.readAttributes(hostSource, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!top.isDirectory()) {
                String name = hostSource.getFileName().toString();
                if (admit(name, false, skipped)) plan.add(new Item(hostSource, "", top));
            } else {
                java.nio.file.Files.walkFileTree(hostSource, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        String rel = relative(hostSource, dir);
                        if (!rel.isEmpty() && !admit(rel, true, skipped)) return FileVisitResult.SKIP_SUBTREE;
                        plan.add(new Item(dir, rel, attrs));
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        String rel = relative(hostSource, file);
                        if (admit(rel, false, skipped)) plan.add(new Item(file, rel, attrs));
                        return FileVisitResult.CONTINUE;
                    }
                });
            }
            for (Item i : plan) {
                if (i.attrs().isRegularFile()) refuseSecrets(i.host());
            }
        } catch (IOException e) {
            throw new SandboxException("cannot read " + hostSource + ": " + e.getMessage(), e);
        }
        long count = 0;
        long bytes = 0;
        for (Item i : plan) {
            String target = i.relative().isEmpty() ? sandboxTarget : join(sandboxTarget, i.relative());
            if (i.attrs().isDirectory()) {
                files.mkdir(target);
            } else if (i.attrs().isRegularFile() || i.attrs().isSymbolicLink()) {
                files.copyIn(i.host(), target);
                count++;
                bytes += i.attrs().isRegularFile() ? i.attrs().size() : 0;
            }
        }
        return new TransferReport(count, bytes, skipped, Optional.empty());
    }

    private boolean admit(String relative, boolean directory, List<TransferReport.Skipped> skipped) {
        Optional<String> reason = TransferRules.uploadSkip(relative);
        if (reason.isEmpty()) return true;
        skipped.add(new TransferReport.Skipped(directory ? relative + "/" : relative, reason.get()));
        return includeSecrets;
    }

    private void refuseSecrets(Path file) throws IOException {
        if (secrets.isEmpty()) return;
        int longest = secrets.values().stream().mapToInt(v -> v.length).max().orElse(0);
        byte[] buf = new byte[64 * 1024 + longest];
        int kept = 0;
        try (InputStream in = java.nio.file.Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            for (int n; (n = in.read(buf, kept, buf.length - kept)) > 0; ) {
                int end = kept + n;
                for (Map.Entry<String, byte[]> s : secrets.entrySet()) {
                    if (indexOf(buf, end, s.getValue()) >= 0) {
                        throw new TransferRefusedException(file, "refusing to upload " + file + ": it contains the value of "
                                + s.getKey() + " (remove it from the file, or leave the file out of the upload)");
                    }
                }
                // keep the tail: a secret may straddle two reads
                kept = Math.min(longest - 1, end);
                System.arraycopy(buf, end - kept, buf, 0, kept);
            }
        }
    }

    private static int indexOf(byte[] hay, int length, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    private static String relative(Path root, Path p) {
        return root.relativize(p).toString();
    }

    private static String join(String dir, String rel) {
        return (dir.endsWith("/") ? dir : dir + "/") + rel;
    }
}
