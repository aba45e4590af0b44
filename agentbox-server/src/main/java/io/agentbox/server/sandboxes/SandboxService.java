package io.agentbox.server.sandboxes;

import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.server.model.SandboxRecord;
import io.agentbox.server.store.SandboxStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * Creates and kills the server's sandboxes and keeps the bookkeeping that ties each to a workspace and
 * to the run or session it serves. Every sandbox is labelled with that owner in its metadata too, so a
 * sandbox whose creation the database never heard of (the process died in between) is still found.
 */
public final class SandboxService {
    public static final String META_WORKSPACE = "agentbox.workspace";
    public static final String META_OWNER = "agentbox.owner";
    public static final String META_NODE = "agentbox.node";
    private static final Logger LOG = LoggerFactory.getLogger(SandboxService.class);

    private final SandboxProvider provider;
    private final SandboxStore store;
    private final Clock clock;
    private final String nodeId;
    /**
     * Sandboxes being created or killed at once, at most: either is a burst of process, mount and cgroup
     * work in the kernel; a hundred runs starting (or ending) together would otherwise starve everything
     * else on the machine, event delivery included, for a second or more.
     */
    private final Semaphore lifecycle = new Semaphore(Math.max(2, 2 * Runtime.getRuntime().availableProcessors()));

    public SandboxService(SandboxProvider provider, SandboxStore store, Clock clock, String nodeId) {
        this.provider = new Throttled(provider, lifecycle);
        this.store = store;
        this.clock = clock;
        this.nodeId = nodeId;
    }

    /** The provider, with creating and killing throttled (see {@link #lifecycle}); it records nothing. */
    public SandboxProvider provider() {
        return provider;
    }

    /**
     * Creates a sandbox for a workspace and records it before returning; {@code ownerId} is the run or
     * session it serves (empty for a raw sandbox).
     */
    public Sandbox create(SandboxSpec spec, String workspaceId, String createdBy, SandboxRecord.Kind kind, Optional<String> ownerId) {
        Sandbox sandbox = provider.create(labelled(spec, workspaceId, ownerId));
        try {
            record(sandbox, spec, workspaceId, createdBy, kind, ownerId);
        } catch (RuntimeException e) {
            sandbox.kill();
            throw e;
        }
        return sandbox;
    }

    /** The spec with the labels that tie its sandbox to this node, the workspace and the owner, also where the database is not told. */
    public SandboxSpec labelled(SandboxSpec spec, String workspaceId, Optional<String> ownerId) {
        SandboxSpec.Builder labelled = spec.toBuilder()
                .metadata(META_WORKSPACE, workspaceId)
                .metadata(META_NODE, nodeId);
        ownerId.ifPresent(o -> labelled.metadata(META_OWNER, o));
        return labelled.build();
    }

    /** Records a sandbox created from a {@link #labelled} spec by someone else (an agent session owning it). */
    public void record(Sandbox sandbox, SandboxSpec spec, String workspaceId, String createdBy, SandboxRecord.Kind kind,
                       Optional<String> ownerId) {
        store.insert(new SandboxRecord(sandbox.id(), workspaceId, createdBy, kind, ownerId, spec.template(),
                clock.instant(), Optional.empty(), Optional.empty(), spec.resources().memoryMb()));
    }

    /** Kills a sandbox and records why; quiet when it is already gone. */
    public void kill(String sandboxId, String reason) {
        try {
            provider.kill(sandboxId);
        } catch (RuntimeException e) {
            LOG.warn("could not kill sandbox {}: {}", sandboxId, e.getMessage());
        }
        ended(sandboxId, reason);
    }

    /**
     * Records that a sandbox has ended, however it ended: killed here, by the agent session that owned it, or
     * found expired. Its row stops counting against the workspace's quota and the node's sweep leaves it.
     */
    public void ended(String sandboxId, String reason) {
        store.markEnded(sandboxId, reason, clock.instant());
    }

    /** Kills every sandbox labelled as serving {@code ownerId}, including any the database never recorded. */
    public void killOwnedBy(String ownerId, Optional<String> knownSandboxId, String reason) {
        knownSandboxId.ifPresent(id -> kill(id, reason));
        try {
            provider.list(SandboxQuery.metadata(Map.of(META_OWNER, ownerId))).forEach(info -> kill(info.id(), reason));
        } catch (RuntimeException e) {
            LOG.warn("could not list sandboxes of {}: {}", ownerId, e.getMessage());
        }
    }

    /**
     * Start-up sweep: live sandboxes of this node that the database says have ended (another node
     * reconciled their run while this one was down) or never heard of (this node died between creating
     * and recording one). A session's sandbox that is still recorded live stays for the session.
     */
    public int sweepEnded() {
        int n = 0;
        for (SandboxInfo info : provider.list(SandboxQuery.metadata(Map.of(META_NODE, nodeId)))) {
            Optional<SandboxRecord> r = store.find(info.id());
            if (r.isPresent() && r.get().endedAt().isEmpty()) continue;
            kill(info.id(), r.flatMap(SandboxRecord::endReason).orElse("node restarted"));
            n++;
        }
        return n;
    }

    /** Live sandboxes of this server as the provider sees them. */
    public int aliveCount() {
        try {
            return provider.list(SandboxQuery.metadata(Map.of(META_NODE, nodeId))).size();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    public SandboxStore store() {
        return store;
    }

    /** Creating and killing through the {@link #lifecycle} permits; the rest as the provider does it. */
    private record Throttled(SandboxProvider provider, Semaphore permits) implements SandboxProvider {
        @Override
        public Sandbox create(SandboxSpec spec) {
            permits.acquireUninterruptibly();
            try {
                return provider.create(spec);
            } finally {
                permits.release();
            }
        }

        @Override
        public boolean kill(String id) {
            permits.acquireUninterruptibly();
            try {
                return provider.kill(id);
            } finally {
                permits.release();
            }
        }

        @Override public Sandbox connect(String id) { return provider.connect(id); }
        @Override public List<SandboxInfo> list(SandboxQuery query) { return provider.list(query); }
    }
}
