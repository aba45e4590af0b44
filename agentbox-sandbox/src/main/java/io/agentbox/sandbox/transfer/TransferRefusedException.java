package io.agentbox.sandbox.transfer;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;

import java.nio.file.Path;

/** An upload refused before anything was copied: a file holds a secret that must not enter a sandbox. */
public final class TransferRefusedException extends AgentboxException {
    private final Path file;

    public TransferRefusedException(Path file, String message) {
        super(ErrorCategory.CONFIG, message);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
