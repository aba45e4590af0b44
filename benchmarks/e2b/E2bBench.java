import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.sandbox.e2b.E2bSandboxProvider;
import io.agentbox.server.AgentboxServer;
import io.agentbox.server.RateLimit;
import io.agentbox.server.ServerConfig;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * create + run `true` + kill, one after the other, three ways in the same run on the same machine:
 * agentbox's Java API (local provider, no HTTP), the official E2B JS SDK against agentbox serve's E2B
 * API, and agentbox's E2B provider (Java) against the same server. Usage: see README.md.
 */
public class E2bBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path repo = Path.of(System.getProperty("bench.repo", ".")).toAbsolutePath();
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "abx-e2bbench-");
        String key = "bench-" + UUID.randomUUID();
        ServerConfig config = ServerConfig.builder().port(0).dataDir(dir.resolve("data")).bootstrapKey(key)
                .rateLimit(RateLimit.UNLIMITED).logFile(dir.resolve("server.log")).build();
        try (AgentboxServer server = AgentboxServer.builder(config).console(new PrintStream(PrintStream.nullOutputStream())).build().start()) {
            String url = server.e2bUrl().orElseThrow();
            SandboxProvider local = Sandboxes.local(dir.resolve("data"));
            SandboxProvider e2b = E2bSandboxProvider.builder().apiKey(key).apiUrl(url).sandboxUrl(url).build();

            List<Double> java = loop(local, n);
            List<Double> sdk = sdk(repo, url, key, n);
            List<Double> provider = loop(e2b, n);

            System.out.printf("create + run('true') + kill, %d sequential iterations each (2 warm-up not counted), %d cores%n",
                    n, Runtime.getRuntime().availableProcessors());
            System.out.printf("%-44s %8s %8s %8s%n", "path", "p50 ms", "p90 ms", "mean ms");
            row("agentbox Java API (local provider)", java);
            row("E2B JS SDK 2.51.0 -> agentbox serve", sdk);
            row("agentbox E2B provider -> agentbox serve", provider);
            System.out.printf("SDK path / Java API: p50 %.2fx, mean %.2fx (overhead %+.1f ms at p50)%n",
                    pct(sdk, 50) / pct(java, 50), mean(sdk) / mean(java), pct(sdk, 50) - pct(java, 50));
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static List<Double> loop(SandboxProvider provider, int n) {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n + 2; i++) {
            long t0 = System.nanoTime();
            Sandbox s = provider.create(SandboxSpec.builder().build());
            s.commands().run(Command.of("true"));
            s.kill();
            if (i >= 2) ms.add((System.nanoTime() - t0) / 1e6);
        }
        return ms;
    }

    static List<Double> sdk(Path repo, String url, String key, int n) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("node", repo.resolve("benchmarks/e2b/bench.mjs").toString(), Integer.toString(n))
                .directory(repo.resolve("test-deps/e2b").toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("E2B_API_URL", url);
        pb.environment().put("E2B_SANDBOX_URL", url);
        pb.environment().put("E2B_API_KEY", key);
        pb.environment().put("E2B_SDK", repo.resolve("test-deps/e2b/node_modules/e2b/dist/index.mjs").toUri().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IllegalStateException("bench.mjs failed: " + out);
        List<Double> ms = new ArrayList<>();
        new ObjectMapper().readTree(out).get("ms").forEach(v -> ms.add(v.asDouble()));
        return ms;
    }

    static void row(String name, List<Double> ms) {
        System.out.printf("%-44s %8.1f %8.1f %8.1f%n", name, pct(ms, 50), pct(ms, 90), mean(ms));
    }

    static double pct(List<Double> ms, int p) {
        List<Double> s = new ArrayList<>(ms);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }

    static double mean(List<Double> ms) {
        return ms.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }
}
