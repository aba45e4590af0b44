package io.agentbox.server.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * Short-lived, single-use tickets that stand in for an API key where a browser cannot send a header:
 * {@code EventSource} and {@code WebSocket} take only a URL. A ticket names the key that asked for it, so
 * it is worth no more than that key (and nothing once the key is revoked); it is redeemed once, within
 * {@link #TTL}, on any node sharing the database, and only on the event-stream routes ({@link #ROUTES}). A
 * URL with a spent ticket in it (a proxy log, the browser history) opens nothing. Only the tickets'
 * SHA-256 is stored, so reading the database yields none.
 */
public final class StreamTickets {
    public static final Duration TTL = Duration.ofSeconds(60);
    /** The routes a ticket may open; every other route wants the Authorization header. */
    public static final Set<String> ROUTES = Set.of("/v1/runs/{id}/events", "/v1/runs/{id}/ws", "/v1/sessions/{id}/ws");
    /** Tickets waiting per key: a client asks for one per stream it opens, so this is plenty. */
    public static final int MAX_PER_KEY = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where tickets wait to be redeemed, by their hash. */
    public interface Store {
        /** Stores a ticket, first dropping expired ones and, past {@code maxPerKey} for its key, the oldest of that key. */
        void insert(String ticketHash, Entry entry, int maxPerKey, Instant now);

        /** Removes the ticket and returns it, if it was there: at most one caller ever gets it. */
        Optional<Entry> take(String ticketHash);

        void deleteKey(String keyId);

        int count();
    }

    private final Clock clock;
    private final Store store;

    public StreamTickets(Clock clock, Store store) {
        this.clock = clock;
        this.store = store;
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
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        String ticket = "tkt_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        Instant expiresAt = now.plus(TTL);
        store.insert(ApiKeys.hash(ticket), new Entry(caller.keyId(), caller.principalId(), expiresAt), MAX_PER_KEY, now);
        return new Issued(ticket, expiresAt);
    }

    /** The ticket's entry, once: it is gone afterwards, used or not, and an expired one is nothing. */
    public Optional<Entry> redeem(String ticket) {
        if (ticket.isEmpty() || ticket.length() > 200) return Optional.empty();
        return store.take(ApiKeys.hash(ticket)).filter(e -> e.expiresAt().isAfter(clock.instant()));
    }

    /** Drops the tickets of a revoked key (redeeming checks the key again anyway, on every node). */
    public void revoked(String keyId) {
        store.deleteKey(keyId);
    }

    /** Tickets waiting to be redeemed, expired ones included until the next issue sweeps them (for tests). */
    public int outstanding() {
        return store.count();
    }
}
