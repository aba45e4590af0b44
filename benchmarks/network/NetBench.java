import io.agentbox.sandbox.*;
import java.nio.file.Path;

/**
 * Network benchmark: create→exec→kill per mode, a 200 MB download through each mode against the host
 * directly, and the time of a new connection. Run against the test internet (see README.md).
 */
public class NetBench {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a.length > 0 ? a[0] : "5");
        try (TestInternet ti = new TestInternet().start()) {
            Path home = java.nio.file.Files.createTempDirectory(Path.of("/tmp"), "abx-bench");
            SandboxProvider p = Sandboxes.local(home);
            NetworkPolicy[] modes = {NetworkPolicy.none(), NetworkPolicy.open(), NetworkPolicy.allow("www.test")};
            for (NetworkPolicy m : modes) p.create(SandboxSpec.builder().network(m).build()).kill(); // warm-up
            for (NetworkPolicy m : modes) {
                long[] t = new long[n];
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    try (Sandbox s = p.create(SandboxSpec.builder().network(m).build())) { s.commands().run(Command.of("true")); }
                    t[i] = System.nanoTime() - t0;
                }
                java.util.Arrays.sort(t);
                System.out.printf("create-exec-kill %-5s p50 %.1f ms%n", m.name(), t[n / 2] / 1e6);
            }
            String url = "http://www.test/bytes/" + (200 << 20);
            long d0 = System.nanoTime();
            Process direct = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "--resolve", "www.test:80:" + ti.serverAddress(), url).start();
            direct.waitFor();
            double directS = (System.nanoTime() - d0) / 1e9;
            System.out.printf("download 200MB host directly %.2f s (%.0f MB/s)%n", directS, 200 / directS);
            for (NetworkPolicy m : new NetworkPolicy[] {NetworkPolicy.open(), NetworkPolicy.allow("www.test")}) {
                try (Sandbox s = p.create(SandboxSpec.builder().network(m).build())) {
                    CommandResult r = s.commands().run(Command.shell("curl -s --noproxy '*' -o /dev/null -w '%{time_total}' " + url));
                    double sec = Double.parseDouble(r.stdout().trim());
                    System.out.printf("download 200MB %-5s %.2f s (%.0f MB/s), ratio to direct %.2f%n", m.name(), sec, 200 / sec, directS / sec);
                    CommandResult c = s.commands().run(Command.shell("for i in $(seq 50); do curl -s --noproxy '*' -o /dev/null -w '%{time_connect} %{time_starttransfer}\\n' http://"
                            + ti.serverAddress() + "/ -H 'Host: www.test'; done"));
                    System.out.println("  connect/first-byte samples (s): " + c.stdout().lines().skip(45).toList());
                }
            }
            long[] t = new long[50];
            for (int i = 0; i < 50; i++) {
                Process q = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{time_starttransfer}", "http://" + ti.serverAddress() + "/").start();
                t[i] = (long) (Double.parseDouble(new String(q.getInputStream().readAllBytes()).trim()) * 1e6);
                q.waitFor();
            }
            java.util.Arrays.sort(t);
            System.out.printf("host directly first byte p50 %.2f ms%n", t[25] / 1e3);
        }
    }
}
