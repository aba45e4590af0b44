package io.agentbox.server.auth;

import io.agentbox.server.http.ApiException;
import io.agentbox.server.model.ApiKey;
import io.agentbox.server.store.TenancyStore;

import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns an {@code Authorization: Bearer …} header into a {@link Caller}. Last-used times are written
 * at most once a minute per key so that reads do not become writes.
 */
public final class Authenticator {
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);
    private static final String BOOTSTRAP_KEY_ID = "bootstrap";

    private final TenancyStore tenancy;
    private final Clock clock;
    private final Optional<byte[]> bootstrapKeyDigest;
    private final String defaultOwnerId;
    private final Map<String, Instant> lastTouched = new ConcurrentHashMap<>();
    private final StreamTickets tickets;

    public Authenticator(TenancyStore tenancy, Clock clock, Optional<String> bootstrapKey, String defaultOwnerId,
                         StreamTickets.Store tickets) {
        this.tenancy = tenancy;
        this.clock = clock;
        this.bootstrapKeyDigest = bootstrapKey.map(ApiKeys::sha256);
        this.defaultOwnerId = defaultOwnerId;
        this.tickets = new StreamTickets(clock, tickets);
    }

    /** The stream tickets this node issues for its callers' keys. */
    public StreamTickets tickets() {
        return tickets;
    }

    /**
     * The caller a stream ticket stands for: the key it was issued to, looked up again so that a key revoked
     * meanwhile (on any node) opens nothing, with the roles its principal holds now.
     */
    public Caller redeem(String ticket) {
        StreamTickets.Entry e = tickets.redeem(ticket)
                .orElseThrow(() -> ApiException.unauthorized("invalid, used or expired stream ticket: ask POST /v1/stream-tickets for another"));
        if (e.keyId().equals(BOOTSTRAP_KEY_ID)) {
            if (bootstrapKeyDigest.isEmpty()) throw ApiException.unauthorized("invalid or revoked API key");
            return new Caller(defaultOwnerId, BOOTSTRAP_KEY_ID, tenancy.rolesOf(defaultOwnerId));
        }
        Optional<ApiKey> key = tenancy.key(e.keyId());
        if (key.isEmpty() || key.get().revoked() || !key.get().principalId().equals(e.principalId())) {
            throw ApiException.unauthorized("invalid or revoked API key");
        }
        return new Caller(e.principalId(), e.keyId(), tenancy.rolesOf(e.principalId()));
    }

    public Caller authenticate(String authorizationHeader) {
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            throw ApiException.unauthorized("missing API key: send 'Authorization: Bearer <key>'");
        }
        String header = authorizationHeader.trim();
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized("the Authorization header must be 'Bearer <key>'");
        }
        String token = header.substring(7).trim();
        Optional<ApiKeys.Parsed> parsed = ApiKeys.parse(token);
        if (parsed.isPresent()) {
            Optional<ApiKey> key = tenancy.key(parsed.get().keyId());
            if (key.isPresent() && !key.get().revoked() && ApiKeys.matches(parsed.get().secret(), key.get().secretHash())) {
                touch(key.get().id());
                return new Caller(key.get().principalId(), key.get().id(), tenancy.rolesOf(key.get().principalId()));
            }
        } else if (bootstrapKeyDigest.isPresent()
                && MessageDigest.isEqual(bootstrapKeyDigest.get(), ApiKeys.sha256(token))) {
            return new Caller(defaultOwnerId, BOOTSTRAP_KEY_ID, tenancy.rolesOf(defaultOwnerId));
        }
        throw ApiException.unauthorized("invalid or revoked API key");
    }

    private void touch(String keyId) {
        Instant now = clock.instant();
        Instant last = lastTouched.get(keyId);
        if (last != null && last.plus(TOUCH_EVERY).isAfter(now)) return;
        lastTouched.put(keyId, now);
        tenancy.touchKey(keyId, now);
    }
}
