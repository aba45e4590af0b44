package io.agentbox.sandbox;

import java.net.IDN;
import java.util.List;
import java.util.Locale;

/**
 * What the sandbox may reach on the network. {@link #none()} is the default.
 * Every mode but {@code none} runs the sandbox in its own network namespace whose traffic leaves
 * only through agentbox's host-side egress: the host itself, its loopback, link-local and private
 * ranges are never reachable (see docs/network.md).
 */
public sealed interface NetworkPolicy {
    /** No network at all: a private loopback only, shared by the commands of this sandbox. */
    static NetworkPolicy none() { return new None(); }

    /** The internet, never the host: any public address over TCP and UDP, names resolved by agentbox. */
    static NetworkPolicy open() { return new Open(); }

    /**
     * Only these domains: exact names, or {@code *.example.com} for every name below example.com.
     * HTTP and TLS only, checked by the name the connection carries (TLS SNI, HTTP Host, CONNECT).
     */
    static Allow allow(String... domains) { return new Allow(List.of(domains), List.of()); }

    /** Short name: {@code none}, {@code open} or {@code allow}. */
    String name();

    /** {@code none} or {@code open}; {@code allow} needs its domains, see {@link #allow(String...)}. */
    static NetworkPolicy parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "none" -> none();
            case "open" -> open();
            case "allow" -> throw new IllegalArgumentException("network allow needs at least one domain (--allow DOMAIN)");
            default -> throw new IllegalArgumentException("network must be none, open or allow, got: " + s);
        };
    }

    /** Builds a policy from a mode and lists, as the CLI and the HTTP API take them ({@code allow} implies mode allow). */
    static NetworkPolicy of(String mode, List<String> allow, List<String> deny) {
        String m = mode == null ? (allow.isEmpty() ? "none" : "allow") : mode.toLowerCase(Locale.ROOT);
        if (!m.equals("allow") && (!allow.isEmpty() || !deny.isEmpty())) {
            throw new IllegalArgumentException("allow and deny lists need network mode allow, got: " + m);
        }
        return m.equals("allow") ? new Allow(allow, deny) : parse(m);
    }

    record None() implements NetworkPolicy {
        @Override public String name() { return "none"; }
    }

    record Open() implements NetworkPolicy {
        @Override public String name() { return "open"; }
    }

    /**
     * @param domains names that may be reached (exact, or {@code *.suffix})
     * @param deny    names refused even when {@code domains} matches them; checked first
     */
    record Allow(List<String> domains, List<String> deny) implements NetworkPolicy {
        public Allow {
            domains = domains.stream().map(Allow::normalize).toList();
            deny = deny.stream().map(Allow::normalize).toList();
            if (domains.isEmpty()) throw new IllegalArgumentException("allow needs at least one domain");
        }

        /** The same allow list with these names refused. */
        public Allow deny(String... names) {
            List<String> d = new java.util.ArrayList<>(deny);
            d.addAll(List.of(names));
            return new Allow(domains, d);
        }

        @Override public String name() { return "allow"; }

        /** Whether a connection to {@code host} is allowed: not denied, and listed. */
        public boolean permits(String host) {
            String h = host.toLowerCase(Locale.ROOT);
            if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
            for (String d : deny) if (matches(d, h)) return false;
            for (String d : domains) if (matches(d, h)) return true;
            return false;
        }

        /** Whether {@code host} is named by the deny list. */
        public boolean denies(String host) {
            String h = host.toLowerCase(Locale.ROOT);
            for (String d : deny) if (matches(d, h)) return true;
            return false;
        }

        private static boolean matches(String pattern, String host) {
            if (pattern.startsWith("*.")) return host.endsWith(pattern.substring(1));
            return host.equals(pattern);
        }

        private static String normalize(String domain) {
            String d = domain.trim().toLowerCase(Locale.ROOT);
            if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
            String rest = d.startsWith("*.") ? d.substring(2) : d;
            if (rest.isEmpty() || rest.contains("*") || rest.contains("/") || rest.contains(":") || rest.startsWith(".")
                    || rest.contains("..") || rest.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("not a domain name or *.domain pattern: '" + domain + "'");
            }
            try {
                return (d.startsWith("*.") ? "*." : "") + IDN.toASCII(rest, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a domain name: '" + domain + "'", e);
            }
        }
    }
}
