import io.agentbox.server.AgentboxServer;
import io.agentbox.server.ServerConfig;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.Reply;
import io.agentbox.testkit.Responders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N concurrent agent runs through one server and one scripted fake model, for N in 25, 50, 100, 200:
 * completions, event latency from its append on the server to its arrival at an SSE client (p50/p99,
 * over events appended while the client was connected), the server's memory, and the machine's load.
 *
 * <p>The server runs in its own JVM (this program started with {@code --serve}), so its memory is its
 * own; the fake model and the SSE clients run here. Every run: text, three tool calls (Bash, Bash,
 * Write) in a real sandbox, then a final answer. Usage: see README.md.
 */
public final class ServerBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final String KEY = "bench-key-0123456789abcdef";
    private static final int WARM_UP = 200;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--serve")) {
            serve();
            return;
        }
        List<Integer> levels = args.length > 0 ? Arrays.stream(args[0].split(",")).map(Integer::parseInt).toList() : List.of(25, 50, 100, 200);
        String db = args.length > 1 ? args[1] : "";
        Path dir = Files.createTempDirectory("agentbox-bench-");
        try (FakeAnthropic fake = FakeAnthropic.builder().recordBodies(false).responder(Responders.perConversation(List.of(
                Reply.builder().text("I'll look around first.").toolUse("Bash", Map.of("command", "echo hello > /workspace/a.txt && ls /workspace")).build(),
                Reply.builder().toolUse("Bash", Map.of("command", "cat /workspace/a.txt")).build(),
                Reply.builder().text("Writing the script.").toolUse("Write", Map.of("file_path", "/workspace/b.py", "content", "print(6 * 7)\n")).build(),
                Reply.text("Done: a.txt holds hello and b.py prints 42.")))).start()) {
            Process server = startServer(dir, fake.baseUrl(), db);
            try {
                String url = awaitUrl(server);
                System.out.printf("server pid %d at %s, database %s, %d cores%n%n", server.pid(), url, db.isEmpty() ? "sqlite" : "postgresql",
                        Runtime.getRuntime().availableProcessors());
                // A fresh JVM spends a third of its CPU compiling hot code: a first round warms the server up, unmeasured.
                level(url, WARM_UP, server.pid(), false);
                System.out.println("  runs  completed  failed  wall s  runs/s  events  p50 ms  p99 ms  max ms  server p50/p99 ms  server RSS MiB  peak RSS MiB  load avg");
                for (int n : levels) level(url, n, server.pid(), true);
            } finally {
                server.destroy();
                if (!server.waitFor(60, TimeUnit.SECONDS)) server.destroyForcibly();
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void level(String url, int n, long serverPid, boolean report) throws Exception {
        String ws = post(url, "/v1/workspaces", Map.of("name", "bench-" + n)).get("id").asText();
        send(url, "PATCH", "/v1/workspaces/" + ws, Map.of("maxConcurrentRuns", n));
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        Map<String, String> outcome = new ConcurrentHashMap<>();
        AtomicLong events = new AtomicLong();
        CountDownLatch done = new CountDownLatch(n);
        Map<Double, Long> bucketsBefore = deliveryBuckets(url);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int k = i;
            // Platform threads, so that a reader is not kept waiting for a carrier by the fake model's virtual threads.
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    String id = post(url, "/v1/runs", Map.of("workspaceId", ws, "prompt", "bench run " + k + ": look around, then write b.py"))
                            .get("id").asText();
                    outcome.put(id, follow(url, id, latencies, events));
                } catch (Exception e) {
                    outcome.put("error-" + k, "error: " + e);
                } finally {
                    done.countDown();
                }
            });
        }
        if (!done.await(15, TimeUnit.MINUTES)) System.out.println("  (timed out waiting for the runs)");
        double wall = (System.nanoTime() - start) / 1e9;
        if (!report) return;
        long completed = outcome.values().stream().filter("run.completed"::equals).count();
        Map<Double, Long> buckets = deliveryBuckets(url);
        buckets.replaceAll((le, c) -> c - bucketsBefore.getOrDefault(le, 0L));
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf("  %4d  %9d  %6d  %6.1f  %6.1f  %6d  %6d  %6d  %6d  %17s  %14.0f  %12.0f  %s%n", n, completed, n - completed, wall, n / wall,
                events.get(), pct(sorted, 50), pct(sorted, 99), sorted.isEmpty() ? 0 : sorted.getLast(),
                "≤" + bucketPct(buckets, 0.5) + " / ≤" + bucketPct(buckets, 0.99),
                kib(serverPid, "VmRSS") / 1024.0, kib(serverPid, "VmHWM") / 1024.0, Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        outcome.forEach((id, how) -> {
            if (!how.equals("run.completed")) System.out.println("    " + id + ": " + how);
        });
    }

    /** Reads the run's SSE stream to its end; returns the terminal event type. */
    private static String follow(String url, String runId, List<Long> latencies, AtomicLong events) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/v1/runs/" + runId + "/events"))
                .header("Authorization", "Bearer " + KEY).header("Accept", "text/event-stream").GET().build();
        HttpResponse<InputStream> res = HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
        long connectedAt = System.currentTimeMillis();
        String last = "none";
        try (BufferedReader r = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.startsWith("data: ")) continue;
                long received = System.currentTimeMillis();
                JsonNode e = JSON.readTree(line.substring(6));
                long appended = java.time.Instant.parse(e.get("ts").asText()).toEpochMilli();
                events.incrementAndGet();
                if (appended >= connectedAt) latencies.add(received - appended);
                last = e.get("type").asText();
            }
        }
        return last;
    }

    /** Cumulative counts of the server's own append-to-write histogram, by upper bound in seconds. */
    private static Map<Double, Long> deliveryBuckets(String url) throws Exception {
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString());
        Map<Double, Long> out = new java.util.TreeMap<>();
        var m = java.util.regex.Pattern.compile("agentbox_event_delivery_seconds_bucket\\{le=\"([^\"]+)\"} (\\S+)").matcher(res.body());
        while (m.find()) out.put(m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1)), (long) Double.parseDouble(m.group(2)));
        return out;
    }

    /** The bucket bound (ms) under which fraction {@code q} of the server's deliveries fell. */
    private static String bucketPct(Map<Double, Long> cumulative, double q) {
        long total = cumulative.getOrDefault(Double.POSITIVE_INFINITY, 0L);
        if (total == 0) return "-";
        for (var e : cumulative.entrySet()) {
            if (e.getValue() >= q * total) return e.getKey().isInfinite() ? "inf" : String.valueOf(Math.round(e.getKey() * 1000 * 10) / 10.0).replace(".0", "");
        }
        return "inf";
    }

    private static long pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) return 0;
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static long kib(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        return 0;
    }

    private static JsonNode post(String url, String path, Object body) throws Exception {
        return send(url, "POST", path, body);
    }

    private static JsonNode send(String url, String method, String path, Object body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build();
        HttpResponse<String> res = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() >= 300) throw new IllegalStateException(method + " " + path + " -> " + res.statusCode() + " " + res.body());
        return JSON.readTree(res.body());
    }

    private static Process startServer(Path dir, String modelUrl, String db) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
        cmd.addAll(List.of(System.getProperty("bench.serverJvmArgs", "-Xmx1g").split(" ")));
        cmd.add("-Dbench.source=" + System.getProperty("bench.source"));
        cmd.addAll(List.of(System.getProperty("bench.source"), "--serve"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AGENTBOX_") || k.startsWith("ANTHROPIC_"));
        env.put("AGENTBOX_HOME", dir.resolve("data").toString());
        env.put("AGENTBOX_PORT", "0");
        env.put("AGENTBOX_BOOTSTRAP_KEY", KEY);
        env.put("AGENTBOX_RATE_LIMIT", "off");
        env.put("AGENTBOX_MAX_CONCURRENT_RUNS", "200");
        env.put("AGENTBOX_WORKSPACE_CONCURRENCY", "200");
        env.put("AGENTBOX_LOG_FILE", dir.resolve("server.log").toString());
        env.put("AGENTBOX_SHUTDOWN_GRACE", "5s");
        env.put("ANTHROPIC_BASE_URL", modelUrl);
        env.put("ANTHROPIC_API_KEY", "sk-test");
        if (!db.isEmpty()) env.put("AGENTBOX_DB_URL", db);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        return pb.start();
    }

    private static String awaitUrl(Process p) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("LISTENING ")) return line.substring(10);
        }
        throw new IllegalStateException("the server exited with " + p.exitValue());
    }

    /** The server side: configured from the environment like {@code agentbox serve}. */
    private static void serve() throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        AgentboxServer server = AgentboxServer.builder(ServerConfig.load(Map.of(), env)).build().start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("LISTENING " + server.url());
        System.out.flush();
        server.awaitStop();
    }
}
