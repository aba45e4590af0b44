package io.agentbox.agent.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.Cost;
import io.agentbox.agent.RunStatus;
import io.agentbox.agent.Usage;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.Events;

import java.io.UncheckedIOException;
import java.util.List;

/** {@code --output-format json}: nothing until the run ends, then one object. */
final class JsonResultFormatter implements EventFormatter {
    private String sessionId = "";
    private String lastText = "";

    @Override
    public List<String> format(Event event) {
        switch (event.data()) {
            case EventData.RunStarted s -> sessionId = s.sessionId();
            case EventData.Text t -> lastText = t.text();
            case EventData.RunCompleted c -> {
                return List.of(write(result(event, RunStatus.SUCCEEDED, c.result(), c.turns(), c.durationMs(), c.usage(), c.cost(), null, null)));
            }
            case EventData.RunFailed f -> {
                return List.of(write(result(event, RunStatus.FAILED, lastText, f.turns(), f.durationMs(), f.usage(), f.cost(), f.category(), f.message())));
            }
            case EventData.RunCanceled c -> {
                return List.of(write(result(event, RunStatus.CANCELED, lastText, c.turns(), c.durationMs(), c.usage(), c.cost(), ErrorCategory.CANCELED, c.reason())));
            }
            default -> { }
        }
        return List.of();
    }

    private ObjectNode result(Event e, RunStatus status, String result, int turns, long durationMs, Usage usage, Cost cost,
                              ErrorCategory category, String message) {
        ObjectNode o = Events.mapper().createObjectNode();
        o.put("runId", e.runId());
        o.put("sessionId", sessionId);
        o.put("status", status.wireName());
        o.put("result", result);
        o.put("turns", turns);
        o.put("durationMs", durationMs);
        o.set("usage", Events.mapper().valueToTree(usage));
        o.set("cost", Events.mapper().valueToTree(cost));
        if (category == null) {
            o.putNull("error");
        } else {
            ObjectNode err = o.putObject("error");
            err.put("category", category.wireName());
            err.put("message", message);
        }
        return o;
    }

    static String write(ObjectNode o) {
        try {
            return Events.mapper().writeValueAsString(o);
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
