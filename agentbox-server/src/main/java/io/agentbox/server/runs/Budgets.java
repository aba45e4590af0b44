package io.agentbox.server.runs;

import io.agentbox.server.model.Workspace;
import io.agentbox.server.store.RunStore;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Optional;

/** Per-workspace daily spending limits (UTC days), checked before a run is accepted and before it starts. */
public final class Budgets {
    private final RunStore runs;
    private final Optional<Double> defaultDailyUsd;
    private final Clock clock;

    public Budgets(RunStore runs, Optional<Double> defaultDailyUsd, Clock clock) {
        this.runs = runs;
        this.defaultDailyUsd = defaultDailyUsd;
        this.clock = clock;
    }

    public Optional<Double> dailyBudget(Workspace ws) {
        return ws.dailyBudgetUsd().or(() -> defaultDailyUsd);
    }

    public double spentToday(Workspace ws) {
        Instant midnight = LocalDate.now(clock.withZone(ZoneOffset.UTC)).atStartOfDay(ZoneOffset.UTC).toInstant();
        return runs.spentSince(ws.id(), midnight);
    }

    /** A message when the workspace has used up today's budget. */
    public Optional<String> exceeded(Workspace ws) {
        Optional<Double> budget = dailyBudget(ws);
        if (budget.isEmpty()) return Optional.empty();
        double spent = spentToday(ws);
        if (spent < budget.get()) return Optional.empty();
        return Optional.of(String.format(Locale.ROOT,
                "workspace %s has spent $%.4f today, its daily budget is $%.2f", ws.id(), spent, budget.get()));
    }
}
