import io.agentbox.agent.Agent;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One warm JVM that runs the benchmark's scripted agent run in process, once per {@code run} line on
 * stdin, and answers each with one JSON line on stdout. The model is whatever
 * {@code ANTHROPIC_BASE_URL} points at (the scripted fake); every run gets a fresh local sandbox.
 *
 * <pre>java -cp agentbox.jar benchmarks/agent/AgentOverhead.java "PROMPT"  (then: run, run, ..., quit)</pre>
 *
 * Besides the wall time it splits the run by the events' arrival times, so that a missed target
 * says where the time went: sandbox set-up, model turns (request building, HTTP, SSE parsing),
 * tool calls (sandbox exec) and the tail (last answer to return: sandbox kill).
 */
public final class AgentOverhead {
    public static void main(String[] args) throws Exception {
        String prompt = args.length > 0 ? args[0] : "Run the scripted steps.";
        // stdout carries the protocol only; anything the library prints goes to stderr
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Agent agent = null;
        for (String line; (line = in.readLine()) != null && !line.strip().equals("quit"); ) {
            if (!line.strip().equals("run")) continue;
            long start = System.nanoTime();
            if (agent == null) agent = Agent.builder().build(); // the first (cold) run pays for building it
            Timeline t = new Timeline(start);
            AgentResult result = agent.run(prompt, t::onEvent);
            long end = System.nanoTime();
            out.println(t.json(end, result));
        }
    }

    /** Event arrival times, folded into phases as they come. */
    private static final class Timeline {
        private final long start;
        private long mark;          // end of the previous phase
        private long setupNs = -1;  // start to sandbox.ready
        private long modelNs, toolNs, toolReportedMs, completedAt;
        private int toolResults, toolErrors, toolCalls;
        private final StringBuilder turns = new StringBuilder();

        Timeline(long start) {
            this.start = start;
            this.mark = start;
        }

        void onEvent(Event e) {
            long now = System.nanoTime();
            switch (e.data()) {
                case EventData.SandboxReady r -> {
                    setupNs = now - start;
                    mark = now;
                }
                case EventData.ToolCall c -> {
                    toolCalls++;
                    turn(now - mark);
                    mark = now;
                }
                case EventData.ToolResult r -> {
                    toolResults++;
                    if (r.isError()) toolErrors++;
                    toolReportedMs += r.durationMs();
                    toolNs += now - mark;
                    mark = now;
                }
                case EventData.RunCompleted c -> {
                    turn(now - mark);
                    completedAt = now;
                }
                default -> {}
            }
        }

        private void turn(long ns) {
            modelNs += ns;
            turns.append(turns.isEmpty() ? "" : ",").append(String.format(Locale.ROOT, "%.1f", ms(ns)));
        }

        String json(long end, AgentResult r) {
            return String.format(Locale.ROOT,
                    "{\"ms\":%.2f,\"status\":\"%s\",\"turns\":%d,\"toolCalls\":%d,\"toolResults\":%d,\"toolErrors\":%d,"
                            + "\"result\":\"%s\",\"setupMs\":%.2f,\"modelMs\":%.2f,\"toolMs\":%.2f,\"toolReportedMs\":%d,\"tailMs\":%.2f,\"turnMs\":[%s]}",
                    ms(end - start), r.status().toString().toLowerCase(Locale.ROOT), r.turns(), toolCalls, toolResults,
                    toolErrors, r.result().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"),
                    ms(setupNs), ms(modelNs), ms(toolNs), toolReportedMs, completedAt == 0 ? -1 : ms(end - completedAt), turns);
        }

        private static double ms(long ns) {
            return ns / 1e6;
        }
    }
}
