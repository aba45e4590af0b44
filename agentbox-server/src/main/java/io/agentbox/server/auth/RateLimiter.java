package io.agentbox.server.auth;

import io.agentbox.server.RateLimit;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/** A token bucket per API key; {@link #tryAcquire} answers how many seconds to wait when empty. */
public final class RateLimiter {
    private final RateLimit limit;
    private final double refillPerNano;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(RateLimit limit) {
        this.limit = limit;
        this.refillPerNano = limit.unlimited() ? 0 : (double) limit.permits() / limit.per().toNanos();
    }

    /** Empty when the request may proceed; otherwise the seconds until a token is available (at least 1). */
    public OptionalLong tryAcquire(String keyId) {
        if (limit.unlimited()) return OptionalLong.empty();
        Bucket b = buckets.computeIfAbsent(keyId, k -> new Bucket(limit.permits(), System.nanoTime()));
        synchronized (b) {
            long now = System.nanoTime();
            b.tokens = Math.min(limit.permits(), b.tokens + (now - b.updatedAt) * refillPerNano);
            b.updatedAt = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return OptionalLong.empty();
            }
            double nanosToWait = (1 - b.tokens) / refillPerNano;
            return OptionalLong.of(Math.max(1, (long) Math.ceil(nanosToWait / 1e9)));
        }
    }

    private static final class Bucket {
        double tokens;
        long updatedAt;

        Bucket(double tokens, long updatedAt) {
            this.tokens = tokens;
            this.updatedAt = updatedAt;
        }
    }
}
