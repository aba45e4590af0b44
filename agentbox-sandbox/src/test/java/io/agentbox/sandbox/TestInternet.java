package io.agentbox.sandbox;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A small internet for tests: a network namespace joined to the host by a veth pair on a /30 of
 * TEST-NET-2 (198.51.100.0/24), running HTTP (80), HTTPS (443, certificates from a test CA), TCP echo
 * and UDP echo (7) servers, and a hosts(5) file mapping test names to it. While it runs, the
 * egress settings of sandboxes created in this JVM point at it ({@code AGENTBOX_EGRESS_HOSTS},
 * {@code AGENTBOX_EGRESS_CA_FILE} as system properties). Nothing is sent anywhere else.
 * The namespace is removed on close, and namespaces left by a crashed test JVM are removed at start.
 * Use as {@code @RegisterExtension static TestInternet internet = new TestInternet();} or try-with-resources.
 */
public final class TestInternet implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    /** Names that reach the test internet's servers. */
    public static final List<String> NAMES = List.of("www.test", "api.test", "other.test", "sub.www.test", "deny.sub.www.test", "secret.test");
    /** A name that resolves to the host's loopback. */
    public static final String LOOPBACK_NAME = "loop.test";
    /** A name that resolves to the host's own end of the veth pair. */
    public static final String HOST_NAME = "host.test";
    private static final String PREFIX = "abxti-";

    private String netns;
    private String hostAddress;
    private String serverAddress;
    private Path dir;
    private Process servers;

    public TestInternet start() {
        if (servers != null) return this;
        try {
            removeStale();
            dir = Files.createTempDirectory(Path.of("/tmp"), "abx-internet-");
            certificates();
            int k = 0;
            for (; k < 63; k++) {
                String ns = PREFIX + ProcessHandle.current().pid() + "-" + k;
                String veth = "abxti" + k;
                if (Files.exists(Path.of("/sys/class/net", veth + "h"))) continue;
                if (run("ip", "netns", "add", ns) != 0) continue;
                netns = ns;
                if (run("ip", "link", "add", veth + "h", "type", "veth", "peer", "name", veth + "n", "netns", ns) != 0) {
                    run("ip", "netns", "del", ns);
                    netns = null;
                    continue;
                }
                hostAddress = "198.51.100." + (4 * k + 1);
                serverAddress = "198.51.100." + (4 * k + 2);
                check(run("ip", "addr", "add", hostAddress + "/30", "dev", veth + "h"));
                check(run("ip", "link", "set", veth + "h", "up"));
                check(run("ip", "-n", ns, "addr", "add", serverAddress + "/30", "dev", veth + "n"));
                check(run("ip", "-n", ns, "link", "set", veth + "n", "up"));
                check(run("ip", "-n", ns, "link", "set", "lo", "up"));
                check(run("ip", "-n", ns, "route", "add", "default", "via", hostAddress));
                break;
            }
            if (netns == null) throw new IllegalStateException("no free test internet slot");
            Path script = dir.resolve("servers.py");
            try (InputStream in = TestInternet.class.getResourceAsStream("test-internet.py")) {
                Files.write(script, in.readAllBytes());
            }
            ProcessBuilder pb = new ProcessBuilder("setpriv", "--pdeathsig", "KILL", "ip", "netns", "exec", netns, "python3", script.toString(), dir.toString());
            pb.redirectErrorStream(true);
            servers = pb.start();
            BufferedReader r = new BufferedReader(new InputStreamReader(servers.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            if (!"ready".equals(line)) throw new IllegalStateException("test internet servers did not start: " + line + " " + drain(r));
            Thread.ofPlatform().daemon().start(() -> drain(r));
            StringBuilder hosts = new StringBuilder();
            for (String n : NAMES) hosts.append(serverAddress).append(' ').append(n).append('\n');
            hosts.append("127.0.0.1 ").append(LOOPBACK_NAME).append('\n');
            hosts.append(hostAddress).append(' ').append(HOST_NAME).append('\n');
            Files.writeString(hostsFile(), hosts);
            System.setProperty("AGENTBOX_EGRESS_HOSTS", hostsFile().toString());
            System.setProperty("AGENTBOX_EGRESS_CA_FILE", caFile().toString());
            return this;
        } catch (IOException | RuntimeException e) {
            close();
            throw new IllegalStateException("cannot start the test internet: " + e.getMessage(), e);
        }
    }

    /** The address of the servers (inside the namespace). */
    public String serverAddress() { return serverAddress; }

    /** The host's own address on the veth pair: no sandbox may reach it. */
    public String hostAddress() { return hostAddress; }

    /** The hosts(5) file mapping {@link #NAMES} to the servers. */
    public Path hostsFile() { return dir.resolve("hosts"); }

    /** The test CA (PEM) that signed the HTTPS server's certificate. */
    public Path caFile() { return dir.resolve("ca.crt"); }

    /** Maps one more name to an address in the hosts file. */
    public void map(String name, String address) {
        try {
            Files.writeString(hostsFile(), address + " " + name + "\n", java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void certificates() throws IOException {
        String d = dir.toString();
        List<String> sans = new ArrayList<>();
        for (String n : NAMES) sans.add("DNS:" + n);
        check(run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", d + "/ca.key", "-out", d + "/ca.crt", "-subj", "/CN=agentbox test internet CA", "-days", "2",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"));
        check(run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", d + "/server.key", "-out", d + "/server.csr", "-subj", "/CN=www.test"));
        Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=" + String.join(",", sans) + "\nextendedKeyUsage=serverAuth\n");
        check(run("openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.crt", "-CAkey", d + "/ca.key",
                "-set_serial", "1", "-days", "2", "-out", d + "/server.crt", "-extfile", d + "/ext.cnf"));
    }

    /** Namespaces (and their processes) of test JVMs that are gone. */
    private static void removeStale() {
        for (String ns : netnsList()) {
            if (!ns.startsWith(PREFIX)) continue;
            String[] parts = ns.substring(PREFIX.length()).split("-");
            try {
                long pid = Long.parseLong(parts[0]);
                if (ProcessHandle.of(pid).isPresent()) continue;
            } catch (NumberFormatException e) {
                continue;
            }
            remove(ns);
        }
    }

    private static void remove(String ns) {
        for (String pid : output("ip", "netns", "pids", ns).split("\\s+")) {
            if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
        run("ip", "netns", "del", ns);
    }

    private static List<String> netnsList() {
        List<String> out = new ArrayList<>();
        for (String line : output("ip", "netns", "list").split("\n")) {
            if (!line.isBlank()) out.add(line.trim().split("\\s+")[0]);
        }
        return out;
    }

    @Override
    public void close() {
        if (servers != null) {
            servers.destroyForcibly();
            try {
                servers.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            servers = null;
        }
        if (netns != null) {
            remove(netns); // the host end of the veth pair goes with it
            netns = null;
        }
        System.clearProperty("AGENTBOX_EGRESS_HOSTS");
        System.clearProperty("AGENTBOX_EGRESS_CA_FILE");
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp dir
            }
            dir = null;
        }
    }

    @Override public void beforeAll(ExtensionContext context) { start(); }

    @Override public void afterAll(ExtensionContext context) { close(); }

    private static void check(int rc) {
        if (rc != 0) throw new IllegalStateException("command failed with " + rc);
    }

    private static int run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String output(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return s;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static String drain(BufferedReader r) {
        StringBuilder sb = new StringBuilder();
        try {
            String l;
            while ((l = r.readLine()) != null) if (sb.length() < 4096) sb.append(l).append('\n');
        } catch (IOException e) {
            // closed
        }
        return sb.toString();
    }
}
