package io.agentbox.server;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests allowed per API key in a window, e.g. {@code 600/min}: a token bucket holding {@code permits}
 * tokens that refills at {@code permits / per}. {@link #UNLIMITED} turns limiting off.
 */
public record RateLimit(long permits, Duration per) {
    public static final RateLimit UNLIMITED = new RateLimit(0, Duration.ofSeconds(1));
    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*/\\s*(s|sec|second|m|min|minute|h|hour)");

    public RateLimit {
        if (permits < 0) throw new IllegalArgumentException("permits must be >= 0");
        if (per.isNegative() || per.isZero()) throw new IllegalArgumentException("per must be positive");
    }

    public boolean unlimited() {
        return permits == 0;
    }

    /** Parses {@code 600/min}, {@code 10/s}, {@code 3600/hour}; {@code off} or {@code 0} means unlimited. */
    public static Optional<RateLimit> parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.equals("off") || v.equals("0") || v.equals("unlimited")) return Optional.of(UNLIMITED);
        Matcher m = FORMAT.matcher(v);
        if (!m.matches()) return Optional.empty();
        Duration per = switch (m.group(2)) {
            case "s", "sec", "second" -> Duration.ofSeconds(1);
            case "m", "min", "minute" -> Duration.ofMinutes(1);
            default -> Duration.ofHours(1);
        };
        return Optional.of(new RateLimit(Long.parseLong(m.group(1)), per));
    }

    @Override
    public String toString() {
        if (unlimited()) return "off";
        String unit = per.equals(Duration.ofSeconds(1)) ? "s" : per.equals(Duration.ofMinutes(1)) ? "min" : "hour";
        return permits + "/" + unit;
    }
}
