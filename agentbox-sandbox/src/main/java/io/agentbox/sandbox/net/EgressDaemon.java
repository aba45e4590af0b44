package io.agentbox.sandbox.net;

import io.agentbox.sandbox.NetworkAuditEntry;
import io.agentbox.sandbox.NetworkPolicy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
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
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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
 */
public final class EgressDaemon {
    static final String PROXY_ADDRESS = "100.64.0.1";
    static final int PROXY_PORT = 3128;
    static final String DNS_ADDRESS = "100.64.0.53";
    /** What route names resolve to inside a sandbox; plain HTTP to it goes to the route's target. */
    static final String ROUTE_ADDRESS = "100.64.0.80";
    private static final long IDLE_EXIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final long SNIFF_TIMEOUT_MS = 10_000;
    private static final long UDP_IDLE_MS = 60_000;

    private final Path home;
    private final Path sandboxes;
    private final AddressRules rules = new AddressRules();
    private final HostsFile hosts = new HostsFile();
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
    final Secrets secrets;

    EgressDaemon(Path home) {
        this.home = home;
        this.sandboxes = home.resolve("sandboxes");
        this.secrets = new Secrets(this);
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
            if (port == 53) dns(sn, c, true); else udp(sn, c, ip, port);
        } else if (head[0].equals("T")) {
            if (port == 53) dns(sn, c, false);
            else if (ip.getHostAddress().equals(PROXY_ADDRESS) && port == PROXY_PORT) proxy(sn, c);
            else transparent(sn, c, ip, port);
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

    // ------------------------------------------------------------------ DNS

    private void dns(SandboxNet sn, Conn c, boolean udp) throws IOException {
        Idle idle = new Idle(c, UDP_IDLE_MS);
        try {
            byte[] len = new byte[2];
            while (true) {
                c.readFully(len);
                byte[] q = new byte[(len[0] & 0xff) << 8 | len[1] & 0xff];
                c.readFully(q);
                idle.touch();
                byte[] a = answer(sn, q, udp);
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

    private byte[] answer(SandboxNet sn, byte[] query, boolean udp) {
        Optional<Dns.Question> parsed = Dns.parse(query);
        if (parsed.isEmpty()) return Dns.error(query, Dns.RCODE_FORMERR);
        Dns.Question q = parsed.get();
        NetworkConfig cfg = sn.config();
        String name = q.name();
        String proto = "dns";
        if (cfg.policy() instanceof NetworkPolicy.None) {
            sn.audit(name, null, 53, proto, false, "network is none");
            return Dns.answer(query, q, Dns.RCODE_REFUSED, List.of());
        }
        if (sn.rules().routes().containsKey(name)) {
            return Dns.answer(query, q, Dns.RCODE_OK, List.of(literal(ROUTE_ADDRESS).get(0)));
        }
        if (cfg.policy() instanceof NetworkPolicy.Allow a && !a.permits(name)) {
            sn.audit(name, null, 53, proto, false, a.denies(name) ? "in the deny list" : "not in the allow list");
            return Dns.answer(query, q, Dns.RCODE_REFUSED, List.of());
        }
        List<InetAddress> all = resolve(sn, name);
        if (all.isEmpty()) return Dns.answer(query, q, Dns.RCODE_NXDOMAIN, List.of());
        List<InetAddress> ok = new ArrayList<>();
        String why = null;
        for (InetAddress a : all) {
            Optional<String> b = rules.blocked(a, sn.opened());
            if (b.isEmpty()) ok.add(a); else why = b.get();
        }
        if (ok.isEmpty()) {
            sn.audit(name, all.get(0).getHostAddress(), 53, proto, false, "resolves to a blocked address (" + why + ")");
            return Dns.answer(query, q, Dns.RCODE_REFUSED, List.of());
        }
        for (InetAddress a : ok) sn.names.put(a.getHostAddress(), name);
        if (cfg.auditAll() && q.type() == Dns.TYPE_A) sn.audit(name, ok.get(0).getHostAddress(), 53, proto, true, "resolved");
        return Dns.answer(query, q, Dns.RCODE_OK, ok);
    }

    /** The addresses of a name or an address literal (hosts file first), unchecked: for operator-chosen targets. */
    List<InetAddress> resolveAny(SandboxNet sn, String name) {
        return Sniff.isIpLiteral(name) ? literal(name) : resolve(sn, name);
    }

    List<InetAddress> resolve(SandboxNet sn, String name) {
        Optional<Path> hf = sn.config().settings().hostsFile();
        if (hf.isPresent()) {
            Optional<List<InetAddress>> fromFile = hosts.lookup(hf.get(), name);
            if (fromFile.isPresent()) return fromFile.get();
        }
        if (Sniff.isIpLiteral(name)) return List.of();
        try {
            return List.of(InetAddress.getAllByName(name));
        } catch (UnknownHostException e) {
            return List.of();
        }
    }

    // ------------------------------------------------------------------ UDP

    private void udp(SandboxNet sn, Conn c, InetAddress ip, int port) throws IOException {
        NetworkConfig cfg = sn.config();
        String host = sn.names.get(ip.getHostAddress());
        if (!(cfg.policy() instanceof NetworkPolicy.Open)) {
            sn.audit(host, ip.getHostAddress(), port, "udp", false, cfg.policy() instanceof NetworkPolicy.None ? "network is none" : "UDP is not allowed (only DNS)");
            return;
        }
        Optional<String> blocked = rules.blocked(ip, sn.opened());
        if (blocked.isPresent()) {
            sn.audit(host, ip.getHostAddress(), port, "udp", false, blocked.get());
            return;
        }
        if (cfg.auditAll()) sn.audit(host, ip.getHostAddress(), port, "udp", true, "open");
        try (DatagramChannel dc = DatagramChannel.open()) {
            dc.connect(new InetSocketAddress(ip, port));
            Idle idle = new Idle(c, UDP_IDLE_MS);
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

    // ------------------------------------------------------------------ TCP

    private void transparent(SandboxNet sn, Conn c, InetAddress ip, int port) throws IOException {
        NetworkConfig cfg = sn.config();
        String known = sn.names.get(ip.getHostAddress());
        if (cfg.policy() instanceof NetworkPolicy.None) {
            sn.audit(known, ip.getHostAddress(), port, "tcp", false, "network is none");
            return;
        }
        if (ip.getHostAddress().equals(ROUTE_ADDRESS)) {
            routed(sn, c, port);
            return;
        }
        boolean allowMode = cfg.policy() instanceof NetworkPolicy.Allow;
        boolean mayInject = known != null && !sn.rules().secretsFor(known).isEmpty();
        if (!allowMode && !mayInject) {
            Optional<String> blocked = rules.blocked(ip, sn.opened());
            if (blocked.isPresent()) {
                sn.audit(known, ip.getHostAddress(), port, "tcp", false, blocked.get());
                return;
            }
            Optional<Conn> up = connect(sn, known, List.of(ip), port, "tcp");
            if (up.isEmpty()) return;
            if (cfg.auditAll()) sn.audit(known, ip.getHostAddress(), port, "tcp", true, "open");
            Conn.splice(c, up.get());
            return;
        }
        Sniff.Result s = sniff(c);
        String proto = s.kind() == Sniff.Kind.TLS ? "tls" : s.kind() == Sniff.Kind.HTTP ? "http" : "tcp";
        if (s.kind() == Sniff.Kind.OTHER || s.kind() == Sniff.Kind.INCOMPLETE) {
            if (allowMode) {
                sn.audit(known, ip.getHostAddress(), port, "tcp", false, "not HTTP or TLS");
                return;
            }
            // open mode to a secret host, but not HTTP: forward as is
            forwardTo(sn, c, known, ip, port, proto, cfg);
            return;
        }
        Optional<String> host = s.host();
        if (host.isEmpty()) {
            if (allowMode) {
                sn.audit(known, ip.getHostAddress(), port, proto, false, "no server name (" + (s.kind() == Sniff.Kind.TLS ? "TLS without SNI" : "HTTP without Host") + ")");
                if (s.kind() == Sniff.Kind.HTTP) forbidden(c, "the request names no host");
                return;
            }
            forwardTo(sn, c, known, ip, port, proto, cfg);
            return;
        }
        String name = host.get();
        if (allowMode) {
            Optional<String> refusal = nameRefusal(cfg, name);
            if (refusal.isPresent()) {
                sn.audit(name, ip.getHostAddress(), port, proto, false, refusal.get());
                if (s.kind() == Sniff.Kind.HTTP) forbidden(c, name + ": " + refusal.get());
                return;
            }
            List<InetAddress> addrs = allowedAddresses(sn, name, ip, port, proto);
            if (addrs.isEmpty()) {
                if (s.kind() == Sniff.Kind.HTTP) forbidden(c, name + " resolves to no reachable address");
                return;
            }
            if (!sn.rules().secretsFor(name).isEmpty()) { secrets.serve(sn, c, s, name, addrs, port); return; }
            Optional<Conn> up = connect(sn, name, addrs, port, proto);
            if (up.isEmpty()) return;
            if (cfg.auditAll()) sn.audit(name, addrs.get(0).getHostAddress(), port, proto, true, "allowed");
            Conn.splice(c, up.get());
            return;
        }
        // open mode with a secret for the name this address was resolved from
        boolean secret = !sn.rules().secretsFor(name).isEmpty();
        Optional<String> blocked = rules.blocked(ip, sn.opened());
        if (blocked.isPresent()) {
            sn.audit(name, ip.getHostAddress(), port, proto, false, blocked.get());
            return;
        }
        if (secret) { secrets.serve(sn, c, s, name, List.of(ip), port); return; }
        forwardTo(sn, c, name, ip, port, proto, cfg);
    }

    /** A connection to the route address: plain HTTP whose Host names one of the sandbox's routes. */
    private void routed(SandboxNet sn, Conn c, int port) throws IOException {
        if (port != 80) {
            sn.audit(null, ROUTE_ADDRESS, port, "tcp", false, "routes take plain HTTP on port 80");
            return;
        }
        Sniff.Result s = sniff(c);
        Optional<java.net.URI> target = s.host().map(h -> sn.rules().routes().get(h));
        if (s.kind() != Sniff.Kind.HTTP || target.isEmpty()) {
            sn.audit(s.host().orElse(null), ROUTE_ADDRESS, port, "http", false, "not a request for a route");
            if (s.kind() == Sniff.Kind.HTTP) forbidden(c, "not a route of this sandbox");
            return;
        }
        secrets.route(sn, c, s.host().get(), target.get());
    }

    private void forwardTo(SandboxNet sn, Conn c, String host, InetAddress ip, int port, String proto, NetworkConfig cfg) {
        Optional<String> blocked = rules.blocked(ip, sn.opened());
        if (blocked.isPresent()) {
            sn.audit(host, ip.getHostAddress(), port, proto, false, blocked.get());
            return;
        }
        Optional<Conn> up = connect(sn, host, List.of(ip), port, proto);
        if (up.isEmpty()) return;
        if (cfg.auditAll()) sn.audit(host, ip.getHostAddress(), port, proto, true, "open");
        Conn.splice(c, up.get());
    }

    /** Why an allow-mode connection to {@code name} is refused before any lookup. */
    private static Optional<String> nameRefusal(NetworkConfig cfg, String name) {
        if (Sniff.isIpLiteral(name)) return Optional.of("IP literal");
        NetworkPolicy.Allow a = (NetworkPolicy.Allow) cfg.policy();
        if (a.permits(name)) return Optional.empty();
        return Optional.of(a.denies(name) ? "in the deny list" : "not in the allow list");
    }

    /** The addresses of an allowed name that may be reached; audits a refusal when none may. */
    private List<InetAddress> allowedAddresses(SandboxNet sn, String name, InetAddress orig, int port, String proto) {
        List<InetAddress> all = resolve(sn, name);
        if (all.isEmpty()) {
            sn.audit(name, orig == null ? null : orig.getHostAddress(), port, proto, false, "name does not resolve");
            return List.of();
        }
        List<InetAddress> ok = new ArrayList<>();
        String why = null;
        for (InetAddress a : all) {
            Optional<String> b = rules.blocked(a, sn.opened());
            if (b.isEmpty()) ok.add(a); else why = b.get();
        }
        if (ok.isEmpty()) sn.audit(name, all.get(0).getHostAddress(), port, proto, false, "resolves to a blocked address (" + why + ")");
        return ok;
    }

    /** An HTTP/1 proxy for clients that honour HTTP_PROXY / HTTPS_PROXY: CONNECT and absolute-form requests. */
    private void proxy(SandboxNet sn, Conn c) throws IOException {
        Sniff.Result s = sniff(c);
        NetworkConfig cfg = sn.config();
        if (s.kind() != Sniff.Kind.HTTP || s.host().isEmpty()) {
            sn.audit(null, PROXY_ADDRESS, PROXY_PORT, "http", false, "not a proxy request");
            return;
        }
        String name = s.host().get();
        boolean connect = s.method().equals("CONNECT");
        int port = s.port() > 0 ? s.port() : connect ? 443 : 80;
        String proto = connect ? "tls" : "http";
        if (cfg.policy() instanceof NetworkPolicy.None) {
            sn.audit(name, null, port, proto, false, "network is none");
            forbidden(c, "network is none");
            return;
        }
        java.net.URI route = sn.rules().routes().get(name);
        if (route != null) {
            if (connect || port != 80) {
                sn.audit(name, null, port, proto, false, "routes take plain HTTP on port 80");
                forbidden(c, name + ": routes take plain HTTP on port 80");
                return;
            }
            byte[] head = new byte[s.headEnd()];
            c.readFully(head);
            byte[] origin = HttpHeads.toOriginForm(head);
            c.unread(origin, 0, origin.length);
            secrets.route(sn, c, name, route);
            return;
        }
        List<InetAddress> addrs;
        if (cfg.policy() instanceof NetworkPolicy.Allow) {
            Optional<String> refusal = nameRefusal(cfg, name);
            if (refusal.isPresent()) {
                sn.audit(name, null, port, proto, false, refusal.get());
                forbidden(c, name + ": " + refusal.get());
                return;
            }
        }
        addrs = Sniff.isIpLiteral(name) ? literal(name) : allowedAddresses(sn, name, null, port, proto);
        if (Sniff.isIpLiteral(name)) {
            Optional<String> b = addrs.isEmpty() ? Optional.of("bad address") : rules.blocked(addrs.get(0), sn.opened());
            if (b.isPresent()) {
                sn.audit(name, name, port, proto, false, b.get());
                addrs = List.of();
            }
        }
        if (addrs.isEmpty()) {
            forbidden(c, name + " resolves to no reachable address");
            return;
        }
        byte[] head = new byte[s.headEnd()];
        c.readFully(head);
        if (connect) {
            c.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (!sn.rules().secretsFor(name).isEmpty()) {
                Sniff.Result inner = sniff(c);
                if (inner.kind() != Sniff.Kind.TLS && inner.kind() != Sniff.Kind.HTTP) {
                    sn.audit(name, addrs.get(0).getHostAddress(), port, proto, false, "not HTTP or TLS to a secret host");
                    return;
                }
                secrets.serve(sn, c, inner, name, addrs, port);
                return;
            }
            Optional<Conn> up = connect(sn, name, addrs, port, proto);
            if (up.isEmpty()) return;
            if (cfg.auditAll()) sn.audit(name, addrs.get(0).getHostAddress(), port, proto, true, "allowed (CONNECT)");
            Conn.splice(c, up.get());
            return;
        }
        byte[] rewritten = HttpHeads.toOriginForm(head);
        c.unread(rewritten, 0, rewritten.length);
        if (!sn.rules().secretsFor(name).isEmpty()) {
            secrets.serve(sn, c, Sniff.inspect(rewritten, rewritten.length), name, addrs, port);
            return;
        }
        Optional<Conn> up = connect(sn, name, addrs, port, proto);
        if (up.isEmpty()) return;
        if (cfg.auditAll()) sn.audit(name, addrs.get(0).getHostAddress(), port, proto, true, "allowed (proxy)");
        // not spliced: this upstream takes this one request (Connection: close), and the client must hear so
        HttpForward.run(HttpForward.of(c), HttpForward.of(up.get()), lines -> lines);
    }

    private static List<InetAddress> literal(String s) {
        try {
            return List.of(InetAddress.getByName(s));
        } catch (UnknownHostException e) {
            return List.of();
        }
    }

    static void forbidden(Conn c, String why) {
        String body = "agentbox: blocked by the sandbox's network policy: " + why + "\n";
        String r = "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nX-Agentbox-Denied: "
                + why.replaceAll("[\\r\\n]", " ") + "\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\nConnection: close\r\n\r\n" + body;
        try {
            c.write(r.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the client is gone
        }
    }

    /** Reads until the first bytes say what the connection is (bounded in size and time); they stay unread. */
    Sniff.Result sniff(Conn c) throws IOException {
        byte[] buf = new byte[Sniff.MAX];
        int n = 0;
        ScheduledFuture<?> limit = timer.schedule(c::close, SNIFF_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        try {
            Sniff.Result r = Sniff.Result.of(Sniff.Kind.INCOMPLETE);
            while (n < buf.length) {
                int got = c.read(ByteBuffer.wrap(buf, n, buf.length - n));
                if (got < 0) break;
                n += got;
                r = Sniff.inspect(buf, n);
                if (r.kind() != Sniff.Kind.INCOMPLETE) break;
            }
            c.unread(buf, 0, n);
            return r;
        } finally {
            limit.cancel(false);
        }
    }

    Optional<Conn> connect(SandboxNet sn, String host, List<InetAddress> addrs, int port, String proto) {
        IOException last = null;
        for (InetAddress a : addrs) {
            SocketChannel up = null;
            try {
                up = SocketChannel.open();
                up.setOption(StandardSocketOptions.TCP_NODELAY, true);
                up.socket().connect(new InetSocketAddress(a, port), CONNECT_TIMEOUT_MS);
                return Optional.of(new Conn(up));
            } catch (IOException e) {
                last = e;
                if (up != null) try { up.close(); } catch (IOException ignored) { /* closing */ }
            }
        }
        if (sn.config().auditAll()) {
            sn.audit(host, addrs.isEmpty() ? null : addrs.get(0).getHostAddress(), port, proto, false,
                    "upstream unreachable" + (last == null ? "" : ": " + last.getMessage()));
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------ per-sandbox state

    /** What the egress keeps per sandbox: its configuration (re-read when the file changes), names it resolved for it. */
    final class SandboxNet {
        final Path dir;
        final Map<String, String> names = new ConcurrentHashMap<>();
        private volatile NetworkConfig config;
        private volatile FileTime mtime;
        private volatile List<AddressRules.Cidr> opened = List.of();
        private volatile EgressRules egressRules;

        SandboxNet(Path dir) {
            this.dir = dir;
        }

        /** Re-reads the configuration if it changed; false when the sandbox has no network (or is gone). */
        boolean refresh() {
            try {
                FileTime t = Files.getLastModifiedTime(NetworkConfig.file(dir));
                if (config != null && t.equals(mtime)) return true;
                Optional<NetworkConfig> c = NetworkConfig.read(dir);
                if (c.isEmpty()) return false;
                opened = c.get().settings().allowCidrs().stream().map(AddressRules.Cidr::parse).toList();
                config = c.get();
                mtime = t;
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        NetworkConfig config() {
            return config;
        }

        List<AddressRules.Cidr> opened() {
            return opened;
        }

        String id() {
            return dir.getFileName().toString();
        }

        /** Secret rules and routes: fixed at creation, read once. */
        EgressRules rules() {
            EgressRules r = egressRules;
            if (r == null) egressRules = r = EgressRules.read(dir);
            return r;
        }

        void audit(String host, String ip, int port, String protocol, boolean allowed, String reason) {
            AuditLog.append(dir, new NetworkAuditEntry(Instant.now(), Optional.ofNullable(host), Optional.ofNullable(ip), port, protocol,
                    allowed ? NetworkAuditEntry.ALLOWED : NetworkAuditEntry.DENIED, reason));
        }
    }

    /** Closes a connection after it has been idle for a while (UDP has no end of its own). */
    private final class Idle {
        private final Conn c;
        private final long limitMs;
        private volatile long last = System.currentTimeMillis();
        private final ScheduledFuture<?> task;

        Idle(Conn c, long limitMs) {
            this.c = c;
            this.limitMs = limitMs;
            this.task = timer.scheduleWithFixedDelay(() -> {
                if (System.currentTimeMillis() - last > this.limitMs) c.close();
            }, 5, 5, TimeUnit.SECONDS);
        }

        void touch() {
            last = System.currentTimeMillis();
        }

        void cancel() {
            task.cancel(false);
            c.close();
        }
    }

    static void log(String s) {
        System.err.println(Instant.now() + " " + s);
    }
}
