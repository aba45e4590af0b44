package io.agentbox.sandbox;

import java.util.List;
import java.util.Locale;

/** What the sandbox may reach on the network. {@link #none()} is the default. */
public sealed interface NetworkPolicy {
    /** No network at all: a private loopback only, shared by the commands of this sandbox. */
    static NetworkPolicy none() { return new None(); }

    /** The host's network, unfiltered. */
    static NetworkPolicy open() { return new Open(); }

    /** Only these domains (and their subdomains), through a host-side proxy. */
    static NetworkPolicy allow(String... domains) { return new Allow(List.of(domains)); }

    /** Short name: {@code none}, {@code open} or {@code allow}. */
    String name();

    static NetworkPolicy parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "none" -> none();
            case "open" -> open();
            default -> throw new IllegalArgumentException("network must be none or open, got: " + s);
        };
    }

    record None() implements NetworkPolicy {
        @Override public String name() { return "none"; }
    }

    record Open() implements NetworkPolicy {
        @Override public String name() { return "open"; }
    }

    record Allow(List<String> domains) implements NetworkPolicy {
        public Allow {
            domains = List.copyOf(domains);
            if (domains.isEmpty()) throw new IllegalArgumentException("allow needs at least one domain");
        }
        @Override public String name() { return "allow"; }
    }
}
