package io.agentbox.agent;

import java.util.Locale;

/** How a run ended. */
public enum RunStatus {
    SUCCEEDED, FAILED, CANCELED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
