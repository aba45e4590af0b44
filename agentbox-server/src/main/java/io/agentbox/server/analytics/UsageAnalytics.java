package io.agentbox.server.analytics;

import io.agentbox.server.auth.Caller;
import io.agentbox.server.http.ApiException;
import io.agentbox.server.model.Principal;
import io.agentbox.server.store.Database;
import io.agentbox.server.store.TenancyStore;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Usage reports of a workspace: runs, errors, tokens, model and sandbox cost and duration percentiles,
 * grouped by day, model, principal or template. Any member of the workspace (viewers too) may read them;
 * other workspaces answer 404 like every other resource.
 */
public final class UsageAnalytics {
    /** The longest window one report covers (a year of days, with room for a leap year and a partial day). */
    public static final Duration MAX_WINDOW = Duration.ofDays(367);
    public static final Duration DEFAULT_WINDOW = Duration.ofDays(30);

    private final UsageStore store;
    private final TenancyStore tenancy;
    private final String defaultModel;
    private final Clock clock;

    /** @param defaultModel the model of runs that named none (the server's default) */
    public UsageAnalytics(Database db, TenancyStore tenancy, String defaultModel, Clock clock) {
        this.store = new UsageStore(db);
        this.tenancy = tenancy;
        this.defaultModel = defaultModel;
        this.clock = clock;
    }

    /**
     * The report for {@code workspaceId} (default: the caller's first workspace) over [from, to); {@code to}
     * defaults to now and {@code from} to 30 days before {@code to}.
     */
    public UsageReport usage(Caller caller, Optional<String> workspaceId, Optional<Instant> from, Optional<Instant> to, GroupBy groupBy) {
        String ws = workspaceId.or(caller::firstWorkspace).orElseThrow(() -> ApiException.notFound("workspace"));
        caller.requireMember(ws, "workspace " + ws);
        Instant end = to.orElseGet(clock::instant);
        Instant start = from.orElse(end.minus(DEFAULT_WINDOW));
        if (!start.isBefore(end)) throw ApiException.invalidField("from", "must be before 'to'");
        if (Duration.between(start, end).compareTo(MAX_WINDOW) > 0) {
            throw ApiException.invalidField("from", "the window is at most " + MAX_WINDOW.toDays() + " days");
        }

        Map<String, Accumulator> groups = new HashMap<>();
        Accumulator total = new Accumulator();
        store.forEach(ws, start, end, row -> {
            total.add(row);
            groups.computeIfAbsent(key(row, groupBy), k -> new Accumulator()).add(row);
        });
        if (groupBy == GroupBy.DAY) {
            // Days without runs are groups of zeros, so a chart's x axis has no holes.
            LocalDate last = LocalDate.ofInstant(end.minusMillis(1), ZoneOffset.UTC);
            for (LocalDate d = LocalDate.ofInstant(start, ZoneOffset.UTC); !d.isAfter(last); d = d.plusDays(1)) {
                groups.computeIfAbsent(d.toString(), k -> new Accumulator());
            }
        }
        List<UsageReport.Group> out = new ArrayList<>();
        new TreeMap<>(groups).forEach((key, acc) -> out.add(new UsageReport.Group(key,
                groupBy == GroupBy.PRINCIPAL ? tenancy.principal(key).map(Principal::name) : Optional.empty(), acc.figures())));
        return new UsageReport(ws, start, end, groupBy, out, total.figures());
    }

    private String key(UsageRow row, GroupBy groupBy) {
        return switch (groupBy) {
            case DAY -> LocalDate.ofInstant(row.createdAt(), ZoneOffset.UTC).toString();
            case MODEL -> row.model().orElse(defaultModel);
            case PRINCIPAL -> row.createdBy();
            case TEMPLATE -> row.template();
        };
    }

    private static final class Accumulator {
        long runs, succeeded, failed, canceled, active, input, output, cacheCreation, cacheRead;
        BigDecimal modelCost = BigDecimal.ZERO, sandboxCost = BigDecimal.ZERO;
        final Map<String, Long> errors = new TreeMap<>();
        long[] durations = new long[16];
        int durationCount;

        void add(UsageRow r) {
            runs++;
            switch (r.status()) {
                case "succeeded" -> succeeded++;
                case "failed" -> failed++;
                case "canceled" -> canceled++;
                default -> active++;
            }
            if (!r.status().equals("succeeded")) r.errorCategory().ifPresent(c -> errors.merge(c, 1L, Long::sum));
            input += r.inputTokens();
            output += r.outputTokens();
            cacheCreation += r.cacheCreationTokens();
            cacheRead += r.cacheReadTokens();
            modelCost = modelCost.add(r.modelCost());
            sandboxCost = sandboxCost.add(r.sandboxCost());
            r.durationMs().ifPresent(d -> {
                if (durationCount == durations.length) durations = Arrays.copyOf(durations, durationCount * 2);
                durations[durationCount++] = d;
            });
        }

        UsageReport.Figures figures() {
            long[] sorted = Arrays.copyOf(durations, durationCount);
            Arrays.sort(sorted);
            return new UsageReport.Figures(runs, succeeded, failed, canceled, active, errors,
                    new UsageReport.Tokens(input, output, cacheCreation, cacheRead), modelCost, sandboxCost,
                    percentile(sorted, 50), percentile(sorted, 95));
        }

        /** Nearest rank: the smallest value with at least p% of the values at or below it. */
        static Optional<Long> percentile(long[] sorted, int p) {
            if (sorted.length == 0) return Optional.empty();
            int rank = (int) Math.ceil(p / 100.0 * sorted.length);
            return Optional.of(sorted[Math.max(rank, 1) - 1]);
        }
    }
}
