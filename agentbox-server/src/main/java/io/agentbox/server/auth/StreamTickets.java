package io.agentbox.server.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Short-lived, single-use tickets that stand in for an API key where a browser cannot send a header:
 * {@code EventSource} and {@code WebSocket} take only a URL. A ticket names the key that asked for it, so
 * it is worth no more than that key (and nothing once the key is revoked); it is redeemed once, within
 * {@link #TTL}, on the node that issued it, and only on the event-stream routes ({@link #ROUTES}). A URL
 * with a spent ticket in it (a proxy log, the browser history) opens nothing.
 */
public final class StreamTickets {
    public static final Duration TTL = Duration.ofSeconds(60);
    /** The routes a ticket may open; every other route wants the Authorization header. */
    public static final Set<String> ROUTES = Set.of("/v1/runs/{id}/events", "/v1/runs/{id}/ws", "/v1/sessions/{id}/ws");
    /** Tickets waiting per key: a client asks for one per stream it opens, so this is plenty. */
    private static final int MAX_PER_KEY = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;
    private final Map<String, Entry> byTicket = new ConcurrentHashMap<>();

    public StreamTickets(Clock clock) {
        this.clock = clock;
    }

    /** Who a ticket was issued to. */
    public record Entry(String keyId, String principalId, Instant expiresAt) {}

    /** A new ticket; {@code ticket} is the secret, kept out of {@link #toString()}. */
    public record Issued(String ticket, Instant expiresAt) {
        @Override
        public String toString() {
            return "Issued[expiresAt=" + expiresAt + "]";
        }
    }

    public Issued issue(Caller caller) {
        Instant now = clock.instant();
        byTicket.values().removeIf(e -> !e.expiresAt().isAfter(now));
        long held = byTicket.values().stream().filter(e -> e.keyId().equals(caller.keyId())).count();
        if (held >= MAX_PER_KEY) {
            // the oldest go first: a client that leaks tickets only hurts itself
            byTicket.entrySet().stream().filter(e -> e.getValue().keyId().equals(caller.keyId()))
                    .sorted(Map.Entry.comparingByValue((a, b) -> a.expiresAt().compareTo(b.expiresAt())))
                    .limit(held - MAX_PER_KEY + 1).map(Map.Entry::getKey).toList().forEach(byTicket::remove);
        }
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        String ticket = "tkt_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        Instant expiresAt = now.plus(TTL);
        byTicket.put(ticket, new Entry(caller.keyId(), caller.principalId(), expiresAt));
        return new Issued(ticket, expiresAt);
    }

    /** The ticket's entry, once: it is gone afterwards, used or not, and an expired one is nothing. */
    public Optional<Entry> redeem(String ticket) {
        Entry e = byTicket.remove(ticket);
        if (e == null || !e.expiresAt().isAfter(clock.instant())) return Optional.empty();
        return Optional.of(e);
    }

    /** Drops the tickets of a revoked key. */
    public void revoked(String keyId) {
        byTicket.values().removeIf(e -> e.keyId().equals(keyId));
    }

    /** Tickets waiting to be redeemed (for tests). */
    public int outstanding() {
        return byTicket.size();
    }
}
