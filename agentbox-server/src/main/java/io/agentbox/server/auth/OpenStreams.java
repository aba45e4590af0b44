package io.agentbox.server.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The long-lived streams (SSE and WebSocket) open on this node, by the API key that opened them. A
 * stream is authorized once, when it opens; without this registry a revoked key would keep reading
 * (and, on a WebSocket, acting) for as long as the connection lasts. Revoking a key through this node
 * ends its streams at once ({@link #revoked}); a key revoked through another node sharing the database
 * is noticed by a check every {@code checkEvery}: one indexed query over the keys that have streams open
 * here, none at all while no stream is open.
 */
public final class OpenStreams implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpenStreams.class);
    private static final int KEYS_PER_QUERY = 500;

    private final Map<String, Set<Runnable>> byKey = new ConcurrentHashMap<>();
    private final Function<List<String>, Set<String>> revokedAmong;
    private final Duration checkEvery;
    private volatile Thread checker;

    /** @param revokedAmong which of the given key ids are revoked, as the database says */
    public OpenStreams(Function<List<String>, Set<String>> revokedAmong, Duration checkEvery) {
        this.revokedAmong = revokedAmong;
        this.checkEvery = checkEvery;
    }

    /** Starts the periodic check for revocations made by other nodes. */
    public OpenStreams start() {
        checker = Thread.ofPlatform().daemon().name("stream-revocations").start(this::checkLoop);
        return this;
    }

    /**
     * Registers a stream opened with {@code keyId}; {@code end} ends it (closes the socket, stops the
     * stream) and is called at most once, from another thread. Close the registration when the stream ends.
     */
    public Registration open(String keyId, Runnable end) {
        Runnable once = new Runnable() {
            private boolean ran;

            @Override
            public synchronized void run() {
                if (ran) return;
                ran = true;
                end.run();
            }
        };
        byKey.computeIfAbsent(keyId, k -> ConcurrentHashMap.newKeySet()).add(once);
        return new Registration(keyId, once);
    }

    /** Ends every stream this node has open with the key. */
    public void revoked(String keyId) {
        Set<Runnable> ends = byKey.remove(keyId);
        if (ends == null) return;
        LOG.info("ending {} stream(s) of revoked key {}", ends.size(), keyId);
        for (Runnable end : ends) {
            try {
                end.run();
            } catch (RuntimeException e) {
                LOG.warn("could not end a stream of revoked key {}", keyId, e);
            }
        }
    }

    /** How many streams are open with the key (for tests and metrics). */
    public int openWith(String keyId) {
        Set<Runnable> s = byKey.get(keyId);
        return s == null ? 0 : s.size();
    }

    /** One look at the database: ends the streams of keys revoked meanwhile, wherever. */
    void check() {
        List<String> keys = List.copyOf(byKey.keySet());
        for (int i = 0; i < keys.size(); i += KEYS_PER_QUERY) {
            revokedAmong.apply(keys.subList(i, Math.min(keys.size(), i + KEYS_PER_QUERY))).forEach(this::revoked);
        }
    }

    private void checkLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(checkEvery);
                if (!byKey.isEmpty()) check();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("could not check for revoked keys: {}", e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        Thread t = checker;
        if (t != null) t.interrupt();
    }

    /** One open stream; closing it (when the stream ends by itself) forgets it. */
    public final class Registration implements AutoCloseable {
        private final String keyId;
        private final Runnable end;

        private Registration(String keyId, Runnable end) {
            this.keyId = keyId;
            this.end = end;
        }

        @Override
        public void close() {
            byKey.computeIfPresent(keyId, (k, set) -> {
                set.remove(end);
                return set.isEmpty() ? null : set;
            });
        }
    }
}
