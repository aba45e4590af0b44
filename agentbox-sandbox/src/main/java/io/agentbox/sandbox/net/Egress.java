package io.agentbox.sandbox.net;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.agentbox.sandbox.SandboxException;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The provider's side of the egress: starting the egress service of a home when needed, and wiring
 * a sandbox's network namespace to it with the native relay.
 */
public final class Egress {
    /** Where the sandbox's resolver is pointed (the relay diverts every DNS query to the egress anyway). */
    public static final String RESOLV_CONF = "nameserver " + EgressDaemon.DNS_ADDRESS + "\noptions timeout:2 attempts:2\n";
    /** The HTTP proxy address of allow-mode sandboxes, for clients that honour HTTP_PROXY. */
    public static final String PROXY_URL = "http://" + EgressDaemon.PROXY_ADDRESS + ":" + EgressDaemon.PROXY_PORT;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Egress() {}

    public static Path dir(Path home) {
        return home.resolve("egress");
    }

    public static Path socket(Path home) {
        return dir(home).resolve("egress.sock");
    }

    /** Makes sure this home's egress service runs (and stays up for at least its idle period). */
    public static void ensureRunning(Path home) {
        if (hold(home)) return;
        synchronized (Egress.class) {
            if (hold(home)) return;
            start(home);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            long pause = 2_000_000;
            while (System.nanoTime() < deadline) {
                if (hold(home)) return;
                java.util.concurrent.locks.LockSupport.parkNanos(pause);
                pause = Math.min(pause * 2, 50_000_000);
            }
            String log = "";
            try {
                List<String> lines = Files.readAllLines(dir(home).resolve("egress.log"));
                log = lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1);
            } catch (IOException e) {
                // no log
            }
            throw new SandboxException("the network egress service did not start" + log);
        }
    }

    private static boolean hold(Path home) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket(home)))) {
            ch.write(ByteBuffer.wrap("H\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer b = ByteBuffer.allocate(16);
            while (b.position() < 3 && ch.read(b) >= 0) {
                // "ok\n" or "closing\n"
            }
            return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).startsWith("ok");
        } catch (IOException e) {
            return false;
        }
    }

    private static void start(Path home) {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // A dynamic class-data archive, written when the first egress of this home exits and mapped by
        // the next: it starts in about half the time (a run that needs it waits for it). The JVM checks
        // the archive against its own version and class path and writes a new one when they changed.
        List<String> cmd = new ArrayList<>(List.of("setsid", java, "-XX:+UseSerialGC", "-Xss512k", "-XX:-UsePerfData",
                "-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + dir(home).resolve("egress.jsa"), "-Xlog:cds*=off",
                "-cp", classPath(), EgressDaemon.class.getName(), home.toString()));
        try {
            Files.createDirectories(dir(home));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir(home).resolve("egress.log").toFile()));
            pb.redirectErrorStream(true);
            pb.start();
        } catch (IOException e) {
            throw new SandboxException("cannot start the network egress service: " + e.getMessage(), e);
        }
    }

    /** The jars (or class directories) the egress service needs, wherever this code runs from. */
    private static String classPath() {
        Set<String> parts = new LinkedHashSet<>();
        for (Class<?> c : List.of(Egress.class, ObjectMapper.class, JsonFactory.class, JsonProperty.class)) {
            location(c).ifPresent(parts::add);
        }
        for (String optional : List.of("org.bouncycastle.jce.provider.BouncyCastleProvider", "org.bouncycastle.cert.X509v3CertificateBuilder",
                "org.bouncycastle.util.Arrays", "org.bouncycastle.asn1.edec.EdECObjectIdentifiers")) {
            try {
                location(Class.forName(optional)).ifPresent(parts::add);
            } catch (ClassNotFoundException e) {
                // not on this class path
            }
        }
        return String.join(":", parts);
    }

    private static Optional<String> location(Class<?> c) {
        try {
            var src = c.getProtectionDomain().getCodeSource();
            return src == null ? Optional.empty() : Optional.of(Path.of(src.getLocation().toURI()).toString());
        } catch (URISyntaxException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * Wires the network namespace of a sandbox whose supervisor is {@code supervisorPid}: finds its
     * init (the first descendant in a network namespace of its own) and starts the relay there.
     */
    public static void wire(Path home, Path initBinary, String sandboxId, long supervisorPid) {
        long pid = netnsPid(supervisorPid).orElseThrow(() -> new SandboxException("cannot find the network namespace of sandbox " + sandboxId));
        ProcessBuilder pb = new ProcessBuilder(initBinary.toString(), "relay", "--pid", String.valueOf(pid),
                "--egress", socket(home).toString(), "--id", sandboxId);
        pb.environment().clear();
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new SandboxException("wiring the network of " + sandboxId + " timed out");
            }
            if (p.exitValue() != 0 || !out.startsWith("ok")) {
                throw new SandboxException("cannot wire the network of " + sandboxId + ": " + (err.isEmpty() ? "relay exited with " + p.exitValue() : err));
            }
        } catch (IOException e) {
            throw new SandboxException("cannot start the network relay: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while wiring a sandbox's network", e);
        }
    }

    private static Optional<Long> netnsPid(long root) {
        String own = netns(ProcessHandle.current().pid()).orElse("");
        List<Long> queue = new ArrayList<>(List.of(root));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < queue.size(); i++) {
                long p = queue.get(i);
                Optional<String> ns = netns(p);
                if (ns.isPresent() && !ns.get().equals(own)) return Optional.of(p);
                queue.addAll(children(p));
            }
            queue = new ArrayList<>(List.of(root));
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        return Optional.empty();
    }

    private static Optional<String> netns(long pid) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "ns", "net")).toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<Long> children(long pid) {
        List<Long> out = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path t : tasks.toList()) {
                String s = Files.readString(t.resolve("children")).trim();
                if (!s.isEmpty()) for (String c : s.split("\\s+")) out.add(Long.parseLong(c));
            }
        } catch (IOException | NumberFormatException e) {
            // gone
        }
        return out;
    }

    /** Records a sandbox's secret rules (host, header, variable name; never a value) and routes for the egress. */
    public static void writeRules(Path sandboxDir, List<io.agentbox.sandbox.SecretInjection> secrets, java.util.Map<String, java.net.URI> routes)
            throws IOException {
        new EgressRules(secrets.stream().map(x -> new SecretInjectionRule(x.host(), x.header(), x.env())).toList(), routes).write(sandboxDir);
    }

    /**
     * Hands the resolved secret values of a sandbox to the running egress over its socket (a path only
     * root on the host reaches): they live in its memory only, never in a file.
     *
     * @param hostHeaderValue {host, header, value} triples
     */
    public static void sendSecrets(Path home, String sandboxId, List<String[]> hostHeaderValue) {
        ArrayNode a = JSON.createArrayNode();
        for (String[] t : hostHeaderValue) a.addObject().put("host", t[0]).put("header", t[1]).put("value", t[2]);
        byte[] msg;
        try {
            msg = ("S " + sandboxId + "\n" + JSON.writeValueAsString(a) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SandboxException("cannot encode the secrets of " + sandboxId);
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            ensureRunning(home);
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket(home)))) {
                ch.write(ByteBuffer.wrap(msg));
                ByteBuffer b = ByteBuffer.allocate(16);
                while (b.position() < 3 && ch.read(b) >= 0) {
                    // "ok\n"
                }
                if (new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).startsWith("ok")) return;
            } catch (IOException e) {
                // the egress was ending: start another and retry
            }
        }
        throw new SandboxException("the network egress service did not take the secrets of " + sandboxId);
    }

    static java.util.Map<String, String> parseSecretValues(String json) throws IOException {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        for (JsonNode n : JSON.readTree(json)) out.put(SecretInjectionRule.key(n.path("host").asText(), n.path("header").asText()), n.path("value").asText());
        return out;
    }
}
