package io.agentbox.server.log;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Removes secrets from text before it is logged: anything shaped like an agentbox API key, an Anthropic
 * key or a bearer credential, plus every secret value registered at start-up (the bootstrap key, the
 * model API key, the database password), whatever its shape.
 */
public final class Redactor {
    public static final String MASK = "[REDACTED]";
    private static final Pattern SHAPED = Pattern.compile(
            "(?i)(bearer\\s+)[^\\s\"',;]+|agb_[A-Za-z0-9_-]{8,}|sk-ant-[A-Za-z0-9_-]+|(password=)[^\\s&;\"']+");
    /** Registered values with how many registrations hold each (two servers in one JVM may share a key). */
    private static final Map<String, Integer> registered = new ConcurrentHashMap<>();

    private Redactor() {}

    /**
     * Masks this exact value until the returned registration is closed; short values are ignored because
     * they would mask ordinary words.
     */
    public static Registration register(String secret) {
        if (secret == null || secret.length() < 8) return () -> { };
        registered.merge(secret, 1, Integer::sum);
        AtomicBoolean open = new AtomicBoolean(true);
        return () -> {
            if (open.compareAndSet(true, false)) registered.computeIfPresent(secret, (k, n) -> n == 1 ? null : n - 1);
        };
    }

    /** Ends one registration of a secret value; closing it again does nothing. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Masks only the registered secret values: for data such as events and tool output, where a pattern
     * would also mask harmless text that merely looks like a credential.
     */
    public static String redactRegistered(String text) {
        if (text == null || text.isEmpty()) return text;
        String out = text;
        for (String secret : registered.keySet()) {
            if (out.contains(secret)) out = out.replace(secret, MASK);
        }
        return out;
    }

    public static String redact(String text) {
        if (text == null || text.isEmpty()) return text;
        String out = redactRegistered(text);
        return SHAPED.matcher(out).replaceAll(m -> {
            String prefix = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : "";
            return java.util.regex.Matcher.quoteReplacement(prefix + MASK);
        });
    }
}
