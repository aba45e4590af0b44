package io.agentbox.sandbox.net;

import io.agentbox.sandbox.NetworkPolicy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The host-side egress of every networked sandbox of one agentbox home: one process, started on
 * demand, ending itself when no networked sandbox is left. Each sandbox's relay hands it every TCP
 * connection and UDP flow with the original destination; here the policy is applied, names are
 * resolved (the operator's hosts file first), refusals (and with auditAll every connection) are
 * audited, and secrets are injected. It runs in the host's network namespace and is the only way
 * out of a sandbox's.
 *
 * <p>This class is the process (its lock, socket and idle exit), the dispatch of each flow and the
 * datagram flows (DNS, UDP); names and DNS answers are {@link Names}, TCP is {@link TcpEgress},
 * secret injection and routes {@link Secrets}, per-sandbox state {@link SandboxNet}.
 */
public final class EgressDaemon {
    static final String PROXY_ADDRESS = "100.64.0.1";
    static final int PROXY_PORT = 3128;
    static final String DNS_ADDRESS = "100.64.0.53";
    /** What route names resolve to inside a sandbox; plain HTTP to it goes to the route's target. */
    static final String ROUTE_ADDRESS = "100.64.0.80";
    private static final long IDLE_EXIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long UDP_IDLE_MS = 60_000;

    private final Path home;
    private final Path sandboxes;
    private final Names names = new Names();
    private final Map<String, SandboxNet> nets = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "egress-timer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger active = new AtomicInteger();
    private final Object exitLock = new Object();
    private volatile long lastBusy = System.nanoTime();
    private boolean closing;
    private ServerSocketChannel server;
    private final Secrets secrets = new Secrets(names);
    private final TcpEgress tcp = new TcpEgress(names, secrets, timer);

    EgressDaemon(Path home) {
        this.home = home;
        this.sandboxes = home.resolve("sandboxes");
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: EgressDaemon AGENTBOX_HOME");
            System.exit(2);
        }
        new EgressDaemon(Path.of(args[0])).run();
    }

    void run() throws IOException {
        Path dir = Egress.dir(home);
        Files.createDirectories(dir);
        try (FileChannel lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = lockFile.tryLock();
            if (lock == null) return; // another egress serves this home
            Path sock = Egress.socket(home);
            Files.deleteIfExists(sock);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(sock), 1024);
            timer.scheduleWithFixedDelay(this::maybeExit, 1, 1, TimeUnit.SECONDS);
            log("egress serving " + home);
            while (true) {
                SocketChannel ch;
                try {
                    ch = server.accept();
                } catch (IOException e) {
                    if (!server.isOpen()) break;
                    continue;
                }
                active.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    try (Conn c = new Conn(ch)) {
                        handle(c);
                    } catch (IOException e) {
                        // a client went away; nothing to keep
                    } catch (RuntimeException e) {
                        log("connection failed: " + e);
                    } finally {
                        active.decrementAndGet();
                        lastBusy = System.nanoTime();
                    }
                });
            }
        }
    }

    /** Ends the process when no networked sandbox has been alive for a while (checked under the hold lock). */
    private void maybeExit() {
        if (!Files.isDirectory(sandboxes)) { exitNow(); return; }
        if (active.get() > 0 || anyLiveNetworked()) { lastBusy = System.nanoTime(); return; }
        if (System.nanoTime() - lastBusy < IDLE_EXIT_NANOS) return;
        synchronized (exitLock) {
            if (System.nanoTime() - lastBusy < IDLE_EXIT_NANOS) return;
            closing = true;
        }
        exitNow();
    }

    private void exitNow() {
        try {
            server.close();
            Files.deleteIfExists(Egress.socket(home));
        } catch (IOException e) {
            // exiting anyway
        }
        log("egress idle, exiting");
        System.exit(0);
    }

    private boolean anyLiveNetworked() {
        try (Stream<Path> s = Files.list(sandboxes)) {
            return s.anyMatch(d -> Files.exists(NetworkConfig.file(d)) && alive(d));
        } catch (IOException e) {
            return false;
        }
    }

    static boolean alive(Path dir) {
        try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) return true;
            l.release();
            return false;
        } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ dispatch

    private void handle(Conn c) throws IOException {
        String[] head = c.readLine(512).split(" ");
        if (head.length == 1 && head[0].equals("H")) { // a provider making sure we stay
            synchronized (exitLock) {
                lastBusy = System.nanoTime();
                c.write((closing ? "closing\n" : "ok\n").getBytes(StandardCharsets.US_ASCII));
            }
            return;
        }
        if (head.length == 2 && head[0].equals("S") && head[1].matches("sbx_[a-z0-9]{8,64}")) { // a provider handing over secret values
            secrets.put(head[1], Egress.parseSecretValues(c.readLine(256 * 1024)));
            c.write("ok\n".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        if (head.length != 4 || !head[1].matches("sbx_[a-z0-9]{8,64}")) return;
        SandboxNet sn = net(head[1]).orElse(null);
        if (sn == null) return;
        InetAddress ip = InetAddress.getByName(head[2]);
        int port = Integer.parseInt(head[3]);
        if (head[0].equals("U")) {
            if (port == 53) dns(sn, c); else udp(sn, c, ip, port);
        } else if (head[0].equals("T")) {
            if (port == 53) dns(sn, c);
            else if (ip.getHostAddress().equals(PROXY_ADDRESS) && port == PROXY_PORT) tcp.proxy(sn, c);
            else tcp.transparent(sn, c, ip, port);
        }
    }

    private Optional<SandboxNet> net(String id) {
        Path dir = sandboxes.resolve(id);
        SandboxNet sn = nets.computeIfAbsent(id, k -> new SandboxNet(dir));
        if (!sn.refresh()) {
            nets.remove(id);
            if (!Files.isDirectory(dir)) secrets.forget(id);
            return Optional.empty();
        }
        return Optional.of(sn);
    }

    // ------------------------------------------------------------------ DNS and UDP flows: length-prefixed datagrams

    private void dns(SandboxNet sn, Conn c) throws IOException {
        Idle idle = new Idle(timer, c, UDP_IDLE_MS);
        try {
            byte[] len = new byte[2];
            while (true) {
                c.readFully(len);
                byte[] q = new byte[(len[0] & 0xff) << 8 | len[1] & 0xff];
                c.readFully(q);
                idle.touch();
                byte[] a = names.answer(sn, q);
                byte[] frame = new byte[a.length + 2];
                frame[0] = (byte) (a.length >> 8);
                frame[1] = (byte) a.length;
                System.arraycopy(a, 0, frame, 2, a.length);
                c.write(frame);
            }
        } catch (java.io.EOFException | java.nio.channels.ClosedChannelException e) {
            // the flow ended
        } finally {
            idle.cancel();
        }
    }

    private void udp(SandboxNet sn, Conn c, InetAddress ip, int port) throws IOException {
        NetworkConfig cfg = sn.config();
        String host = sn.names.get(ip.getHostAddress());
        if (!(cfg.policy() instanceof NetworkPolicy.Open)) {
            sn.audit(host, ip.getHostAddress(), port, "udp", false, cfg.policy() instanceof NetworkPolicy.None ? "network is none" : "UDP is not allowed (only DNS)");
            return;
        }
        Optional<String> blocked = names.blocked(sn, ip);
        if (blocked.isPresent()) {
            sn.audit(host, ip.getHostAddress(), port, "udp", false, blocked.get());
            return;
        }
        if (cfg.auditAll()) sn.audit(host, ip.getHostAddress(), port, "udp", true, "open");
        try (DatagramChannel dc = DatagramChannel.open()) {
            dc.connect(new InetSocketAddress(ip, port));
            Idle idle = new Idle(timer, c, UDP_IDLE_MS);
            Thread back = Thread.ofVirtual().start(() -> {
                ByteBuffer buf = ByteBuffer.allocate(65536 + 2);
                try {
                    while (true) {
                        buf.clear().position(2);
                        dc.read(buf);
                        int n = buf.position() - 2;
                        buf.put(0, (byte) (n >> 8)).put(1, (byte) n).flip();
                        idle.touch();
                        c.write(buf);
                    }
                } catch (IOException e) {
                    c.close();
                }
            });
            byte[] len = new byte[2];
            try {
                while (true) {
                    c.readFully(len);
                    byte[] d = new byte[(len[0] & 0xff) << 8 | len[1] & 0xff];
                    c.readFully(d);
                    idle.touch();
                    dc.write(ByteBuffer.wrap(d));
                }
            } catch (IOException e) {
                // the flow ended
            } finally {
                idle.cancel();
                dc.close();
                back.interrupt();
            }
        }
    }

    static void log(String s) {
        System.err.println(Instant.now() + " " + s);
    }
}
