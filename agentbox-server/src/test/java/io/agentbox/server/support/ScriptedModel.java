package io.agentbox.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.testkit.Failure;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.RecordedRequest;
import io.agentbox.testkit.Reply;
import io.agentbox.testkit.Step;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The fake Messages API whose answers the prompt spells out, so that a test states a run's course in
 * its prompt and the real agent, real sandbox and real server carry it out. The steps of the latest
 * prompt, separated by {@code ;}, are the model's turns in order; every turn but the last also calls
 * {@code Bash true} so that the agent comes back for the next one.
 *
 * <ul>
 *   <li>{@code emit N} – a text of N characters, streamed as N {@code text.delta} events</li>
 *   <li>{@code say TEXT} – a text reply</li>
 *   <li>{@code bash CMD} – a Bash tool call (the rest of the step is the command)</li>
 *   <li>{@code write PATH TEXT} – a Write tool call</li>
 *   <li>{@code slow N MS} – N one-character chunks, MS milliseconds apart</li>
 *   <li>{@code think N MS} – extended thinking of N characters ({@link #thoughts(int)}), one character every MS milliseconds</li>
 *   <li>{@code hold [GATE]} – the answer waits until {@link #release(String) release(GATE)} (or the fake closes)</li>
 *   <li>{@code cost USD} – the previous turn's usage costs about USD (input tokens at Sonnet's $3/M)</li>
 *   <li>{@code fail} – a 400 from the API: the run fails with {@code api_error}</li>
 *   <li>{@code succeed} – nothing (reads well at the end)</li>
 * </ul>
 * A prompt that is no script at all gets a one-turn text answer.
 */
public final class ScriptedModel implements AutoCloseable {
    public static final String API_KEY = "sk-test";
    private static final Duration HOLD_LIMIT = Duration.ofMinutes(5);

    private final FakeAnthropic fake;
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    private ScriptedModel() {
        fake = FakeAnthropic.builder().responder(this::answer).start();
    }

    public static ScriptedModel start() {
        return new ScriptedModel();
    }

    public String baseUrl() {
        return fake.baseUrl();
    }

    public FakeAnthropic fake() {
        return fake;
    }

    /** Lets answers waiting at {@code hold GATE} go on. */
    public void release(String gate) {
        gate(gate).countDown();
    }

    private CountDownLatch gate(String name) {
        return gates.computeIfAbsent(name, k -> new CountDownLatch(1));
    }

    private Step answer(RecordedRequest request) {
        List<JsonNode> messages = request.messages();
        int promptAt = -1;
        String prompt = "";
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!"user".equals(m.path("role").asText())) continue;
            for (JsonNode block : m.path("content")) {
                if ("text".equals(block.path("type").asText())) {
                    promptAt = i;
                    prompt = block.path("text").asText();
                }
            }
        }
        int turn = 0;
        for (int i = promptAt + 1; i < messages.size(); i++) if ("assistant".equals(messages.get(i).path("role").asText())) turn++;
        List<Turn> turns = parse(prompt);
        if (turn >= turns.size()) return Reply.text("done");
        Turn t = turns.get(turn);
        if (t.hold != null) {
            CountDownLatch g = gate(t.hold);
            long deadline = System.nanoTime() + HOLD_LIMIT.toNanos();
            try {
                while (g.getCount() > 0 && closed.getCount() > 0 && System.nanoTime() < deadline) g.await(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (t.failure) return Failure.badRequest("scripted failure");
        Reply.Builder b = t.reply.toBuilder();
        if (turn < turns.size() - 1 && !t.callsTool) b.toolUse("Bash", Map.of("command", "true"));
        return b.build();
    }

    private record Turn(Reply reply, boolean callsTool, String hold, boolean failure) {}

    private static List<Turn> parse(String prompt) {
        List<Turn> turns = new ArrayList<>();
        for (String raw : prompt.split(";")) {
            String step = raw.strip();
            String[] w = step.split("\\s+", 2);
            String rest = w.length > 1 ? w[1] : "";
            switch (w[0]) {
                case "emit" -> turns.add(text(Reply.builder().text(digits(Integer.parseInt(rest.strip()))).chunkSize(1)));
                case "say" -> turns.add(text(Reply.builder().text(rest)));
                case "bash" -> turns.add(new Turn(Reply.builder().toolUse("Bash", Map.of("command", rest)).build(), true, null, false));
                case "write" -> {
                    String[] pw = rest.split("\\s+", 2);
                    turns.add(new Turn(Reply.builder().toolUse("Write", Map.of("file_path", pw[0], "content", pw.length > 1 ? pw[1] : ""))
                            .build(), true, null, false));
                }
                case "slow" -> {
                    String[] nm = rest.strip().split("\\s+");
                    turns.add(text(Reply.builder().text(digits(Integer.parseInt(nm[0]))).chunkSize(1)
                            .chunkDelay(Duration.ofMillis(Long.parseLong(nm[1])))));
                }
                case "think" -> {
                    String[] nm = rest.strip().split("\\s+");
                    turns.add(text(Reply.builder().thinking(thoughts(Integer.parseInt(nm[0]))).chunkSize(1)
                            .chunkDelay(Duration.ofMillis(Long.parseLong(nm[1])))));
                }
                case "hold" -> turns.add(new Turn(Reply.text("released"), false,
                        rest.isBlank() ? "anonymous-" + System.nanoTime() : rest.strip(), false));
                case "cost" -> {
                    if (turns.isEmpty()) turns.add(text(Reply.builder().text("ok")));
                    Turn last = turns.removeLast();
                    long tokens = Math.round(Double.parseDouble(rest.strip()) / 3e-6);
                    turns.add(new Turn(last.reply.toBuilder().usage(tokens, 1).build(), last.callsTool, last.hold, last.failure));
                }
                case "fail" -> turns.add(new Turn(Reply.text("unused"), false, null, true));
                case "succeed", "" -> { }
                default -> {
                    return List.of(text(Reply.builder().text("You said: " + prompt)));
                }
            }
        }
        return turns;
    }

    private static Turn text(Reply.Builder b) {
        return new Turn(b.build(), false, null, false);
    }

    /** The thinking of a {@code think N MS} step: N characters of plain words. */
    public static String thoughts(int n) {
        String words = "The user wants the files checked first, so I will list them and then answer. ";
        StringBuilder sb = new StringBuilder();
        while (sb.length() < n) sb.append(words);
        return sb.substring(0, n);
    }

    private static String digits(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append((char) ('0' + i % 10));
        return sb.toString();
    }

    @Override
    public void close() {
        closed.countDown();
        fake.close();
    }
}
