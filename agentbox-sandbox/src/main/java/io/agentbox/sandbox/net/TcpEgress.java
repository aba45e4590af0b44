package io.agentbox.sandbox.net;

import io.agentbox.sandbox.NetworkPolicy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * TCP at the egress: connections to the address a sandbox dialed, its HTTP proxy and its routes. The
 * policy decides from the destination and, where it names hosts, from the first bytes (TLS SNI or the
 * HTTP Host); connections to secret hosts go to {@link Secrets}, the rest are spliced to the upstream.
 */
final class TcpEgress {
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final long SNIFF_TIMEOUT_MS = 10_000;

    private final Names names;
    private final Secrets secrets;
    private final ScheduledExecutorService timer;

    TcpEgress(Names names, Secrets secrets, ScheduledExecutorService timer) {
        this.names = names;
        this.secrets = secrets;
        this.timer = timer;
    }

    /** A connection to the address the sandbox dialed, judged by its policy (and by what it sniffs of the first bytes). */
    void transparent(SandboxNet sn, Conn c, InetAddress ip, int port) throws IOException {
        NetworkConfig cfg = sn.config();
        String known = sn.names.get(ip.getHostAddress());
        if (cfg.policy() instanceof NetworkPolicy.None) {
            sn.audit(known, ip.getHostAddress(), port, "tcp", false, "network is none");
            return;
        }
        if (ip.getHostAddress().equals(EgressDaemon.ROUTE_ADDRESS)) {
            routed(sn, c, port);
            return;
        }
        boolean allowMode = cfg.policy() instanceof NetworkPolicy.Allow;
        boolean mayInject = known != null && !sn.rules().secretsFor(known).isEmpty();
        if (!allowMode && !mayInject) {
            Optional<String> blocked = names.blocked(sn, ip);
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
            Optional<String> refusal = Names.nameRefusal(cfg, name);
            if (refusal.isPresent()) {
                sn.audit(name, ip.getHostAddress(), port, proto, false, refusal.get());
                if (s.kind() == Sniff.Kind.HTTP) forbidden(c, name + ": " + refusal.get());
                return;
            }
            List<InetAddress> addrs = names.allowedAddresses(sn, name, ip, port, proto);
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
        Optional<String> blocked = names.blocked(sn, ip);
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
            sn.audit(null, EgressDaemon.ROUTE_ADDRESS, port, "tcp", false, "routes take plain HTTP on port 80");
            return;
        }
        Sniff.Result s = sniff(c);
        Optional<java.net.URI> target = s.host().map(h -> sn.rules().routes().get(h));
        if (s.kind() != Sniff.Kind.HTTP || target.isEmpty()) {
            sn.audit(s.host().orElse(null), EgressDaemon.ROUTE_ADDRESS, port, "http", false, "not a request for a route");
            if (s.kind() == Sniff.Kind.HTTP) forbidden(c, "not a route of this sandbox");
            return;
        }
        secrets.route(sn, c, s.host().get(), target.get());
    }

    private void forwardTo(SandboxNet sn, Conn c, String host, InetAddress ip, int port, String proto, NetworkConfig cfg) {
        Optional<String> blocked = names.blocked(sn, ip);
        if (blocked.isPresent()) {
            sn.audit(host, ip.getHostAddress(), port, proto, false, blocked.get());
            return;
        }
        Optional<Conn> up = connect(sn, host, List.of(ip), port, proto);
        if (up.isEmpty()) return;
        if (cfg.auditAll()) sn.audit(host, ip.getHostAddress(), port, proto, true, "open");
        Conn.splice(c, up.get());
    }

    /** An HTTP/1 proxy for clients that honour HTTP_PROXY / HTTPS_PROXY: CONNECT and absolute-form requests. */
    void proxy(SandboxNet sn, Conn c) throws IOException {
        Sniff.Result s = sniff(c);
        NetworkConfig cfg = sn.config();
        if (s.kind() != Sniff.Kind.HTTP || s.host().isEmpty()) {
            sn.audit(null, EgressDaemon.PROXY_ADDRESS, EgressDaemon.PROXY_PORT, "http", false, "not a proxy request");
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
            Optional<String> refusal = Names.nameRefusal(cfg, name);
            if (refusal.isPresent()) {
                sn.audit(name, null, port, proto, false, refusal.get());
                forbidden(c, name + ": " + refusal.get());
                return;
            }
        }
        addrs = Sniff.isIpLiteral(name) ? Names.literal(name) : names.allowedAddresses(sn, name, null, port, proto);
        if (Sniff.isIpLiteral(name)) {
            Optional<String> b = addrs.isEmpty() ? Optional.of("bad address") : names.blocked(sn, addrs.get(0));
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
    private Sniff.Result sniff(Conn c) throws IOException {
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

    private Optional<Conn> connect(SandboxNet sn, String host, List<InetAddress> addrs, int port, String proto) {
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
}
