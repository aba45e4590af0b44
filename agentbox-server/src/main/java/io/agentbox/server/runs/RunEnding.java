package io.agentbox.server.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.Cost;
import io.agentbox.agent.Usage;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.Events;
import io.agentbox.server.model.Run;
import io.agentbox.server.model.RunEvent;
import io.agentbox.server.store.EventStore;
import io.agentbox.server.store.RunStore;
import io.agentbox.server.store.RunUpdate;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The terminal event and row update of a run that ends outside its agent (a failure around it, cancel,
 * the reaper, shutdown, a budget): the same typed {@link EventData} the agent emits, with the duration,
 * turns, usage and model cost that the run's stored {@code usage} events account for, so a client sees
 * one shape of {@code run.failed} and {@code run.canceled} whoever ended the run.
 */
final class RunEnding {
    record Ending(RunStore.EventDraft event, RunUpdate.Builder update) {}

    private record Totals(int turns, Usage usage, Cost cost) {}

    private final EventStore events;

    RunEnding(EventStore events) {
        this.events = events;
    }

    Ending failed(Run run, Instant startedAt, Instant now, ErrorCategory category, String message) {
        Totals t = totals(run.id());
        long ms = millis(startedAt, now);
        return ending(new EventData.RunFailed(category, message, ms, t.turns(), t.usage(), t.cost()), t, ms, now, category, message);
    }

    Ending canceled(Run run, Instant startedAt, Instant now, String reason) {
        Totals t = totals(run.id());
        long ms = millis(startedAt, now);
        return ending(new EventData.RunCanceled(reason, ms, t.turns(), t.usage(), t.cost()), t, ms, now, ErrorCategory.CANCELED, reason);
    }

    private static Ending ending(EventData data, Totals t, long ms, Instant now, ErrorCategory category, String message) {
        RunUpdate.Builder update = RunUpdate.builder().finishedAt(now).turns(t.turns()).durationMs(ms)
                .usageJson(json(t.usage())).costJson(json(t.cost())).costUsd(t.cost().total().doubleValue())
                .error(category.wireName(), message);
        return new Ending(new RunStore.EventDraft(data.type(), json(data)), update);
    }

    private static long millis(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toMillis());
    }

    private Totals totals(String runId) {
        int turns = 0;
        Usage usage = Usage.ZERO;
        BigDecimal model = BigDecimal.ZERO;
        long after = 0;
        while (true) {
            List<RunEvent> page = events.after(runId, after, 500);
            for (RunEvent e : page) {
                after = e.seq();
                if (!e.type().equals("usage")) continue;
                try {
                    EventData.ModelUsage u = Events.mapper().readValue(e.dataJson(), EventData.ModelUsage.class);
                    turns++;
                    usage = usage.plus(u.usage());
                    if (u.cost() != null) model = model.add(u.cost());
                } catch (JsonProcessingException malformed) {
                    // an event this version cannot read adds nothing to the totals
                }
            }
            if (page.size() < 500) return new Totals(turns, usage, Cost.of(model, BigDecimal.ZERO));
        }
    }

    private static String json(Object value) {
        try {
            return Events.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
