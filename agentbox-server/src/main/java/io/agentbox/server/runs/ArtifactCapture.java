package io.agentbox.server.runs;

import io.agentbox.sandbox.FileInfo;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxFileException;
import io.agentbox.sandbox.transfer.TransferRules;
import io.agentbox.agent.event.EventData;
import io.agentbox.server.model.Artifact;
import io.agentbox.server.model.ReviewState;
import io.agentbox.server.store.ArtifactStore;
import io.agentbox.Ids;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Files under {@code /workspace} that a run created or changed: a snapshot (path → size, mtime) is taken
 * when the run gets its sandbox, and compared at the end. Changed files are stored shallowest first
 * (the files a user asked for sit at the top; tool caches sit deep), within the limits per file, per
 * run count and per run bytes; what does not fit is recorded as skipped, with the reason. The rules
 * of downloads apply ({@link TransferRules#downloadSkip}): files that would run code where they are
 * checked out (git hooks and config, shell rc files, editor settings) are skipped. Each read is bounded
 * as it streams, so neither a sparse file nor one growing after the snapshot can exceed the limits.
 */
public final class ArtifactCapture {
    public static final String ROOT = "/workspace";
    /** Directory entries one snapshot looks at, at most: a run that fills the workspace with millions of files must not stall its end. */
    static final int MAX_ENTRIES = 20_000;
    private static final Logger LOG = LoggerFactory.getLogger(ArtifactCapture.class);

    /** Per file, per run, and what the workspace may store over all its runs ({@code workspace-max-artifact-storage}). */
    public record Limits(long maxFileBytes, int maxFiles, long maxRunBytes, long maxWorkspaceBytes) {}

    /** What {@code /workspace} held at one moment; {@code complete} is false when the walk hit {@link #MAX_ENTRIES}. */
    public record Snapshot(Map<String, Stamp> files, boolean complete) {
        public static final Snapshot EMPTY = new Snapshot(Map.of(), true);
    }

    public record Stamp(long size, Instant modifiedAt) {}

    /** The outcome, also sent as the run's {@code artifacts} event. */
    public record Result(List<Artifact> captured, List<ArtifactStore.Skipped> skipped) {
        EventData.Artifacts toEvent() {
            return new EventData.Artifacts(captured.size(), captured.stream().mapToLong(Artifact::size).sum(),
                    captured.stream().map(a -> new EventData.Artifacts.Captured(a.id(), a.path(), a.size())).toList(),
                    skipped.stream().map(k -> new EventData.Artifacts.Skipped(k.path(), k.size(), k.reason())).toList());
        }
    }

    private final ArtifactStore store;
    private final Limits limits;
    private final Clock clock;

    public ArtifactCapture(ArtifactStore store, Limits limits, Clock clock) {
        this.store = store;
        this.limits = limits;
        this.clock = clock;
    }

    /** The regular files under {@code /workspace}; symlinks and special files are never followed or captured. */
    public Snapshot snapshot(Sandbox sandbox) {
        Map<String, Stamp> files = new HashMap<>();
        Deque<String> dirs = new ArrayDeque<>();
        dirs.add(ROOT);
        int seen = 0;
        while (!dirs.isEmpty()) {
            List<FileInfo> entries;
            try {
                entries = sandbox.files().list(dirs.poll());
            } catch (SandboxException e) {
                continue; // removed meanwhile, or unreadable to the sandbox user: nothing to capture there
            }
            for (FileInfo f : entries) {
                if (++seen > MAX_ENTRIES) return new Snapshot(files, false);
                switch (f.type()) {
                    case FILE -> files.put(f.path(), new Stamp(f.size(), f.modifiedAt()));
                    case DIRECTORY -> dirs.add(f.path());
                    default -> { }
                }
            }
        }
        return new Snapshot(files, true);
    }

    /** Compares the sandbox's workspace with {@code before} and stores what changed. */
    public Result capture(String runId, String workspaceId, Sandbox sandbox, Snapshot before) {
        Snapshot after = snapshot(sandbox);
        List<Map.Entry<String, Stamp>> changed = after.files().entrySet().stream()
                .filter(e -> !Objects.equals(before.files().get(e.getKey()), e.getValue()))
                .sorted(Comparator.<Map.Entry<String, Stamp>>comparingLong(e -> depth(e.getKey())).thenComparing(Map.Entry::getKey))
                .toList();
        List<Artifact> captured = new ArrayList<>();
        List<ArtifactStore.Skipped> skipped = new ArrayList<>();
        long total = 0;
        long workspaceRoom = Math.max(0, limits.maxWorkspaceBytes() - store.bytesOfWorkspace(workspaceId));
        Instant now = clock.instant();
        for (Map.Entry<String, Stamp> e : changed) {
            String path = e.getKey();
            long size = e.getValue().size();
            Optional<String> hostile = TransferRules.downloadSkip(path.startsWith(ROOT + "/") ? path.substring(ROOT.length() + 1) : path);
            if (hostile.isPresent()) {
                skipped.add(new ArtifactStore.Skipped(path, size, "not captured: " + hostile.get()));
            } else if (size > limits.maxFileBytes()) {
                skipped.add(new ArtifactStore.Skipped(path, size, "larger than the per-file limit of " + limits.maxFileBytes() + " bytes"));
            } else if (captured.size() >= limits.maxFiles()) {
                skipped.add(new ArtifactStore.Skipped(path, size, "over the limit of " + limits.maxFiles() + " files per run"));
            } else if (total + size > limits.maxRunBytes()) {
                skipped.add(new ArtifactStore.Skipped(path, size, "over the limit of " + limits.maxRunBytes() + " bytes per run"));
            } else if (total + size > workspaceRoom) {
                skipped.add(new ArtifactStore.Skipped(path, size, "over the workspace's artifact storage of " + limits.maxWorkspaceBytes()
                        + " bytes (workspace-max-artifact-storage)"));
            } else {
                byte[] content;
                try {
                    content = sandbox.files().read(path, Math.min(Integer.MAX_VALUE - 9, Math.min(limits.maxFileBytes(), Math.min(limits.maxRunBytes(), workspaceRoom) - total)));
                } catch (SandboxFileException ex) {
                    skipped.add(new ArtifactStore.Skipped(path, size, ex.reason() == SandboxFileException.Reason.TOO_LARGE
                            ? "grew past the size limits while being read" : "unreadable: " + ex.getMessage()));
                    continue;
                } catch (SandboxException ex) {
                    skipped.add(new ArtifactStore.Skipped(path, size, "unreadable: " + ex.getMessage()));
                    continue;
                }
                Artifact a = new Artifact(Ids.newId("art"), runId, workspaceId, path, content.length, contentType(path, content),
                        sha256(content), ReviewState.PENDING, Optional.empty(), Optional.empty(), now);
                store.insert(a, content);
                captured.add(a);
                total += content.length;
            }
        }
        if (!after.complete()) {
            skipped.add(new ArtifactStore.Skipped(ROOT, 0, "the workspace has more than " + MAX_ENTRIES
                    + " entries; only the first ones were compared"));
        }
        store.insertSkipped(runId, skipped, now);
        if (!skipped.isEmpty()) LOG.info("run {}: {} artifact(s) captured, {} skipped", runId, captured.size(), skipped.size());
        return new Result(captured, skipped);
    }

    private static long depth(String path) {
        return path.chars().filter(c -> c == '/').count();
    }

    static String contentType(String path, byte[] content) {
        String guessed = URLConnection.guessContentTypeFromName(path.substring(path.lastIndexOf('/') + 1));
        if (guessed != null) return guessed;
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content));
            return "text/plain; charset=utf-8";
        } catch (CharacterCodingException e) {
            return "application/octet-stream";
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
