package io.agentbox.server.model;

import java.util.Locale;
import java.util.Optional;

public enum RunStatus {
    QUEUED, BOOTING, RUNNING, SUCCEEDED, FAILED, CANCELED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELED;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<RunStatus> fromWireName(String s) {
        for (RunStatus r : values()) if (r.wireName().equals(s)) return Optional.of(r);
        return Optional.empty();
    }
}
