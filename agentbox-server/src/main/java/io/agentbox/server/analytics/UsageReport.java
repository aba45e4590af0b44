package io.agentbox.server.analytics;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the runs of a workspace created in [{@code from}, {@code to}) used, per group and in total. */
public record UsageReport(String workspaceId, Instant from, Instant to, GroupBy groupBy, List<Group> groups, Figures totals) {
    public UsageReport {
        groups = List.copyOf(groups);
    }

    /** One group: {@code key} is a UTC date, a model, a principal id or a template; {@code name} a principal's name. */
    public record Group(String key, Optional<String> name, Figures figures) {}

    /**
     * Counts, tokens and cost of a set of runs. {@code active} runs have not ended (they have no usage yet);
     * {@code errors} counts failed and canceled runs by error category; durations are of ended runs.
     */
    public record Figures(long runs, long succeeded, long failed, long canceled, long active, Map<String, Long> errors,
                          Tokens tokens, BigDecimal modelCostUsd, BigDecimal sandboxCostUsd,
                          Optional<Long> p50DurationMs, Optional<Long> p95DurationMs) {
        public Figures {
            errors = Map.copyOf(errors);
        }

        public BigDecimal totalCostUsd() {
            return modelCostUsd.add(sandboxCostUsd);
        }
    }

    public record Tokens(long input, long output, long cacheCreation, long cacheRead) {}
}
