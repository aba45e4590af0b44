import io.agentbox.server.AgentboxServer;
import io.agentbox.server.ServerConfig;
import io.agentbox.server.support.PostgresCluster;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.Reply;
import io.agentbox.testkit.Responders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One batch of short scripted runs (a text, one Bash call in a real sandbox, an answer) submitted at
 * once, round-robin, to 1, 2 and 3 {@code agentbox serve} nodes sharing one PostgreSQL database, each
 * node with the same capacity. Reports wall time, runs/s, queue wait (created → started), run time
 * (started → finished) and how the runs spread over the nodes. Each node is its own JVM, like a real
 * deployment; a warm-up batch per setup is not reported. The database's commits, inserted/updated rows
 * and rows read per second (from {@code pg_stat_database}, over the batch) show what it carries.
 */
public final class NodesBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final String KEY = "bench-key-0123456789abcdef";
    private static final int CAPACITY = 8;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--serve")) {
            AgentboxServer server = AgentboxServer.builder(ServerConfig.load(Map.of(), System.getenv())).build().start();
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            System.out.println("LISTENING " + server.url());
            System.out.flush();
            server.awaitStop();
            return;
        }
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 120;
        List<Integer> setups = args.length > 1 ? Arrays.stream(args[1].split(",")).map(Integer::parseInt).toList() : List.of(1, 2, 3);
        PostgresCluster pg = PostgresCluster.shared();
        Path dir = Files.createTempDirectory("agentbox-nodes-");
        try (FakeAnthropic fake = FakeAnthropic.builder().recordBodies(false).responder(Responders.perConversation(List.of(
                Reply.builder().text("Checking.").toolUse("Bash", Map.of("command", "echo ok")).build(),
                Reply.text("Done.")))).start()) {
            System.out.printf("%d runs per batch, capacity %d runs per node, %d cores, PostgreSQL%n%n", runs, CAPACITY,
                    Runtime.getRuntime().availableProcessors());
            System.out.println("  nodes  completed  wall s  runs/s  wait p50/p99 ms  run p50/p99 ms  runs per node  commits/s  inserts/s  reads/s");
            for (int n : setups) setup(n, runs, pg, dir.resolve("n" + n), fake.baseUrl());
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void setup(int nodes, int runs, PostgresCluster pg, Path dir, String modelUrl) throws Exception {
        String db = pg.newDatabase();
        List<Process> servers = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        try {
            for (int i = 0; i < nodes; i++) {
                Process p = startServer(dir.resolve("node-" + i), "node-" + i, db, pg.user(), modelUrl);
                servers.add(p);
                urls.add(awaitUrl(p));
            }
            String ws = post(urls.getFirst(), "/v1/workspaces", Map.of("name", "bench")).get("id").asText();
            send(urls.getFirst(), "PATCH", "/v1/workspaces/" + ws, Map.of("maxConcurrentRuns", 200));
            batch(urls, ws, Math.max(20, runs / 4), nodes, false, db, pg.user());
            batch(urls, ws, runs, nodes, true, db, pg.user());
        } finally {
            for (Process p : servers) p.destroy();
            for (Process p : servers) if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    private static void batch(List<String> urls, String ws, int runs, int nodes, boolean report, String db, String user) throws Exception {
        long[] before = dbStats(db, user);
        long start = System.nanoTime();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            ids.add(post(urls.get(i % urls.size()), "/v1/runs", Map.of("workspaceId", ws, "prompt", "short run " + i)).get("id").asText());
        }
        List<JsonNode> ended = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        for (String id : ids) {
            while (true) {
                JsonNode r = get(urls.getFirst(), "/v1/runs/" + id);
                String st = r.get("status").asText();
                if (st.equals("succeeded") || st.equals("failed") || st.equals("canceled")) {
                    ended.add(r);
                    break;
                }
                if (System.nanoTime() > deadline) throw new IllegalStateException("runs did not end in 15 minutes");
                Thread.sleep(20);
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        if (!report) return;
        Thread.sleep(1500); // PostgreSQL publishes its statistics up to a second late
        long[] after = dbStats(db, user);
        List<Long> wait = new ArrayList<>();
        List<Long> run = new ArrayList<>();
        Map<String, Integer> perNode = new TreeMap<>();
        long ok = 0;
        for (JsonNode r : ended) {
            if (r.get("status").asText().equals("succeeded")) ok++;
            Instant created = Instant.parse(r.get("createdAt").asText());
            Instant started = Instant.parse(r.path("startedAt").asText(r.get("createdAt").asText()));
            Instant finished = Instant.parse(r.get("finishedAt").asText());
            wait.add(Duration.between(created, started).toMillis());
            run.add(Duration.between(started, finished).toMillis());
            perNode.merge(r.path("nodeId").asText("?"), 1, Integer::sum);
        }
        Collections.sort(wait);
        Collections.sort(run);
        System.out.printf("  %5d  %9d  %6.1f  %6.1f  %15s  %14s  %13s  %9.0f  %8.0f  %8.0f%n", nodes, ok, wall, runs / wall,
                pct(wait, 50) + " / " + pct(wait, 99), pct(run, 50) + " / " + pct(run, 99), perNode.values(),
                (after[0] - before[0]) / wall, (after[1] - before[1]) / wall, (after[2] - before[2]) / wall);
    }

    /** Commits, rows inserted (+ updated) and rows read of the database so far. */
    private static long[] dbStats(String db, String user) throws Exception {
        try (var c = java.sql.DriverManager.getConnection(db, user, "");
             var rs = c.createStatement().executeQuery("SELECT xact_commit, tup_inserted + tup_updated, tup_returned + tup_fetched "
                     + "FROM pg_stat_database WHERE datname = current_database()")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
        }
    }

    private static long pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) return 0;
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static JsonNode get(String url, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + KEY).GET().build();
        return JSON.readTree(HTTP.send(req, HttpResponse.BodyHandlers.ofString()).body());
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

    private static Process startServer(Path dir, String node, String db, String user, String modelUrl) throws IOException {
        Files.createDirectories(dir);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), "-Xmx512m",
                System.getProperty("bench.source"), "--serve"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AGENTBOX_") || k.startsWith("ANTHROPIC_"));
        env.put("AGENTBOX_HOME", dir.resolve("data").toString());
        env.put("AGENTBOX_PORT", "0");
        env.put("AGENTBOX_E2B_PORT", "off");
        env.put("AGENTBOX_NODE_ID", node);
        env.put("AGENTBOX_DB_URL", db);
        env.put("AGENTBOX_DB_USER", user);
        env.put("AGENTBOX_BOOTSTRAP_KEY", KEY);
        env.put("AGENTBOX_RATE_LIMIT", "off");
        env.put("AGENTBOX_MAX_CONCURRENT_RUNS", String.valueOf(CAPACITY));
        env.put("AGENTBOX_LOG_FILE", dir.resolve("server.log").toString());
        env.put("AGENTBOX_SHUTDOWN_GRACE", "5s");
        env.put("ANTHROPIC_BASE_URL", modelUrl);
        env.put("ANTHROPIC_API_KEY", "sk-test");
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
}
