package io.agentbox.agent;

import java.util.Locale;
import java.util.Optional;

/**
 * Where a run is in its life. An agent's own result is one of the three terminal states; the service
 * also reports a run that waits for capacity ({@code queued}), for its sandbox ({@code booting}) or runs.
 */
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
