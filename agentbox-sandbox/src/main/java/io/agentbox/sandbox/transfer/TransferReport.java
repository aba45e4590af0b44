package io.agentbox.sandbox.transfer;

import java.util.List;
import java.util.Optional;

/**
 * What an upload or download did: files and bytes written, what the rules left out (paths relative
 * to the copied root, directories ending in {@code /}), and why it stopped early, if it did.
 */
public record TransferReport(long files, long bytes, List<Skipped> skipped, Optional<String> stopped) {
    public TransferReport {
        skipped = List.copyOf(skipped);
    }

    public record Skipped(String path, String reason) {}

    public boolean complete() {
        return stopped.isEmpty();
    }
}
