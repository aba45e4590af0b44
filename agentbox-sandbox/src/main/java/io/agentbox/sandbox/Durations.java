package io.agentbox.sandbox;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints the duration and size syntax shared by the CLI, config and HTTP API: {@code 500ms 30s 10m 2h}, {@code 512k 256m 1g}. */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    private Durations() {}

    public static Duration parse(String s) {
        Matcher m = DURATION.matcher(s.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new IllegalArgumentException("invalid duration '" + s + "' (use e.g. 500ms, 30s, 10m, 2h)");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** Bytes from {@code 512k 256m 1g} (binary multiples); a bare number is bytes. */
    public static long parseSize(String s) {
        Matcher m = SIZE.matcher(s.trim());
        if (!m.matches()) throw new IllegalArgumentException("invalid size '" + s + "' (use e.g. 512k, 256m, 1g)");
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        return Math.multiplyExact(n, 1L << shift);
    }

    public static long parseSizeMb(String s) {
        long bytes = parseSize(s);
        return Math.max(1, (bytes + (1 << 20) - 1) >> 20);
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + "ms";
        if (ms < 60_000) {
            long tenths = Math.round(ms / 100.0);
            return (tenths % 10 == 0 ? String.valueOf(tenths / 10) : String.format(Locale.ROOT, "%.1f", tenths / 10.0)) + "s";
        }
        if (ms < 3_600_000) return (ms / 60_000) + "m" + (ms % 60_000 >= 1000 ? (ms % 60_000) / 1000 + "s" : "");
        return (ms / 3_600_000) + "h" + (ms % 3_600_000 >= 60_000 ? (ms % 3_600_000) / 60_000 + "m" : "");
    }
}
