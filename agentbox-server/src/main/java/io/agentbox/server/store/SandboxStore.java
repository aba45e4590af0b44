package io.agentbox.server.store;

import io.agentbox.server.model.SandboxRecord;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Which workspace owns each sandbox the server created, and whether it has ended. */
public interface SandboxStore {
    void insert(SandboxRecord record);

    Optional<SandboxRecord> find(String id);

    /** Live (not ended) sandboxes of a workspace, newest first. */
    List<SandboxRecord> liveOf(String workspaceId);

    /** What a workspace's live sandboxes hold: how many, and their memory limits summed. */
    record Usage(int sandboxes, long memoryMb) {}

    Usage usageOf(String workspaceId);

    /** Every sandbox not marked ended. */
    List<SandboxRecord> live();

    void markEnded(String id, String reason, Instant now);
}
