package io.agentbox.server.model;

import java.util.Locale;

/** Who holds API keys: people, and service accounts created for programs. */
public enum PrincipalKind {
    USER, SERVICE_ACCOUNT;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PrincipalKind fromWireName(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
