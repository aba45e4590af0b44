package io.agentbox.server.model;

import java.util.Locale;
import java.util.Optional;

/** A principal's role in one workspace, strongest first. */
public enum Role {
    OWNER, ADMIN, MEMBER, VIEWER;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> fromWireName(String s) {
        for (Role r : values()) if (r.wireName().equals(s)) return Optional.of(r);
        return Optional.empty();
    }

    /** True when this role grants at least what {@code other} grants. */
    public boolean atLeast(Role other) {
        return ordinal() <= other.ordinal();
    }
}
