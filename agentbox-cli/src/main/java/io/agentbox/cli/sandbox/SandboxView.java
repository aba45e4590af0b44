package io.agentbox.cli.sandbox;

import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.Resources;
import io.agentbox.sandbox.SandboxInfo;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;

/**
 * A sandbox as {@code create --json}, {@code info --json} and {@code ls --json} print it.
 * Times are ISO-8601 UTC with milliseconds; metadata keys are sorted so output is stable.
 */
public record SandboxView(String id, String template, String createdAt, String expiresAt,
                          Map<String, String> metadata, Resources resources, String network, String workdir) {

    public static SandboxView of(SandboxInfo info) {
        return new SandboxView(info.id(), info.template(), iso(info.createdAt()), iso(info.expiresAt()),
                new TreeMap<>(info.metadata()), info.resources(), info.network().name(), info.workdir());
    }

    static String iso(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /** {@code in 4m58s}, or {@code expired}. */
    static String expiresIn(Instant expiresAt, Instant now) {
        Duration left = Duration.between(now, expiresAt);
        if (left.isNegative() || left.isZero()) return "expired";
        // whole seconds read better than "4m58.3s" in a table
        return "in " + Durations.format(left.compareTo(Duration.ofSeconds(1)) < 0 ? left : Duration.ofSeconds(left.toSeconds()));
    }

    static String metadataText(Map<String, String> metadata) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(metadata).forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }
}
