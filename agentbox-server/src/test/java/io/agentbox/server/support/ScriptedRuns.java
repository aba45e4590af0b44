package io.agentbox.server.support;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.ErrorCategory;
import io.agentbox.server.http.Json;
import io.agentbox.server.model.RunStatus;
import io.agentbox.server.runs.RunContext;
import io.agentbox.server.runs.RunExecutor;
import io.agentbox.server.store.RunUpdate;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs whose course the prompt spells out, for exercising the run pipeline (scheduler, state machine,
 * event store, streams) on its own: {@code "emit 5; pause 20; emit 3; hold; cost 0.25; succeed"}.
 * {@code hold [gate]} waits until {@link #release(String)} of that gate, or cancellation; {@code fail} ends failed.
 */
public final class ScriptedRuns implements RunExecutor {
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();

    /** Lets runs waiting at {@code hold <gate>} go on. */
    public void release(String gate) {
        gate(gate).countDown();
    }

    private CountDownLatch gate(String name) {
        return gates.computeIfAbsent(name, k -> new CountDownLatch(1));
    }

    @Override
    public void execute(RunContext run) throws Exception {
        CountDownLatch canceled = new CountDownLatch(1);
        run.onCancel(reason -> canceled.countDown());
        run.markRunning();
        double cost = 0;
        int n = 0;
        for (String step : run.run().prompt().split(";")) {
            String[] w = step.trim().split("\\s+");
            switch (w[0]) {
                case "emit" -> {
                    for (int i = 0; i < Integer.parseInt(w[1]); i++) {
                        run.emit("text.delta", Json.object().put("text", "chunk " + (++n)));
                    }
                }
                case "pause" -> {
                    if (canceled.await(Long.parseLong(w[1]), TimeUnit.MILLISECONDS)) {
                        run.cancel(run.cancelReason().orElse("canceled"));
                        return;
                    }
                }
                case "hold" -> {
                    CountDownLatch g = w.length > 1 ? gate(w[1]) : new CountDownLatch(1);
                    while (g.getCount() > 0 && canceled.getCount() > 0) Thread.sleep(5);
                    if (canceled.getCount() == 0) {
                        run.cancel(run.cancelReason().orElse("canceled"));
                        return;
                    }
                }
                case "cost" -> cost = Double.parseDouble(w[1]);
                case "fail" -> {
                    run.fail(ErrorCategory.TOOL_ERROR, "scripted failure");
                    return;
                }
                case "succeed", "" -> { }
                default -> throw new IllegalArgumentException("unknown step " + w[0]);
            }
        }
        ObjectNode data = Json.object().put("result", "done").put("turns", 1).put("durationMs", 1);
        data.putObject("cost").put("model", cost).put("sandbox", 0).put("total", cost);
        run.end(RunStatus.SUCCEEDED, "run.completed", data, RunUpdate.builder().result("done").turns(1).durationMs(1)
                .costUsd(cost).costJson(Json.write(data.get("cost"))));
    }
}
