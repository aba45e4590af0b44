package io.agentbox.server.model;

import java.util.Locale;
import java.util.Optional;

public enum ReviewState {
    PENDING, APPROVED, REJECTED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ReviewState> fromWireName(String s) {
        for (ReviewState r : values()) if (r.wireName().equals(s)) return Optional.of(r);
        return Optional.empty();
    }
}
