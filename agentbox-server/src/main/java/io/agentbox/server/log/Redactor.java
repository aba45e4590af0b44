package io.agentbox.server.log;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
    private static final Set<String> registered = ConcurrentHashMap.newKeySet();

    private Redactor() {}

    /** Masks this exact value from now on; short values are ignored because they would mask ordinary words. */
    public static void register(String secret) {
        if (secret != null && secret.length() >= 8) registered.add(secret);
    }

    public static String redact(String text) {
        if (text == null || text.isEmpty()) return text;
        String out = text;
        for (String secret : registered) {
            if (out.contains(secret)) out = out.replace(secret, MASK);
        }
        return SHAPED.matcher(out).replaceAll(m -> {
            String prefix = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : "";
            return java.util.regex.Matcher.quoteReplacement(prefix + MASK);
        });
    }
}
