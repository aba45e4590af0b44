package io.agentbox.sandbox.net;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Secret headers and routes at the egress. The values reach this process over its control socket
 * and are kept in memory only; a rule whose value is missing (the egress restarted) refuses the
 * connection rather than forward it with the sandbox's placeholder. TLS is terminated only for secret
 * hosts, with a leaf certificate from the sandbox's CA; the upstream is verified.
 */
final class Secrets {
    private final Names names;
    private final Upstream upstream = new Upstream();
    /** sandbox id -> rule key (host, header) -> value. */
    private final Map<String, Map<String, String>> values = new ConcurrentHashMap<>();
    /** sandbox id + host -> server context with a leaf certificate for it. */
    private final Map<String, SSLContext> leaves = new ConcurrentHashMap<>();

    Secrets(Names names) {
        this.names = names;
    }

    void put(String sandboxId, Map<String, String> byKey) {
        values.put(sandboxId, Map.copyOf(byKey));
    }

    void forget(String sandboxId) {
        values.remove(sandboxId);
        leaves.keySet().removeIf(k -> k.startsWith(sandboxId + "/"));
    }

    /** The headers to set for {@code host}, or empty when one of them has no value here (fail closed). */
    private Optional<List<String[]>> headers(SandboxNet sn, String host) {
        Map<String, String> v = values.getOrDefault(sn.id(), Map.of());
        List<String[]> out = new ArrayList<>();
        for (SecretInjectionRule r : sn.rules().secretsFor(host)) {
            String value = v.get(r.key());
            if (value == null) return Optional.empty();
            out.add(new String[] {r.header(), value});
        }
        return Optional.of(out);
    }

    private static UnaryOperator<List<String>> inject(List<String[]> headers) {
        return lines -> {
            for (String[] h : headers) {
                String lower = h[0].toLowerCase(java.util.Locale.ROOT);
                remove(lines, List.of(lower));
                lines.add(h[0] + ": " + h[1]);
            }
            return lines;
        };
    }

    /** A connection to a secret host, HTTP or TLS (first bytes sniffed and still unread). */
    void serve(SandboxNet sn, Conn c, Sniff.Result first, String host, List<InetAddress> addrs, int port) {
        boolean tls = first.kind() == Sniff.Kind.TLS;
        String proto = tls ? "tls" : "http";
        Optional<List<String[]>> headers = headers(sn, host);
        if (headers.isEmpty()) {
            sn.audit(host, addrs.get(0).getHostAddress(), port, proto, false, "secret not available to the egress (it restarted); not forwarded");
            if (!tls) TcpEgress.forbidden(c, host + ": the secret for this host is not available");
            return;
        }
        HttpForward.Stream client;
        try {
            client = tls ? TlsTerminate.handshake(c, leaf(sn, host)) : HttpForward.of(c);
        } catch (IOException | RuntimeException e) {
            sn.audit(host, addrs.get(0).getHostAddress(), port, proto, false, "TLS handshake with the sandbox failed: " + e.getMessage());
            return;
        }
        forward(sn, client, host, addrs, port, tls, proto, inject(headers.get()));
    }

    /** A request to a route's name: forwarded to its target, path prefix kept, Host set to the target's. */
    void route(SandboxNet sn, Conn c, String host, URI target) {
        Optional<List<String[]>> headers = headers(sn, host);
        if (headers.isEmpty()) {
            sn.audit(host, EgressDaemon.ROUTE_ADDRESS, 80, "http", false, "secret not available to the egress (it restarted); not forwarded");
            TcpEgress.forbidden(c, host + ": the secret for this route is not available");
            return;
        }
        boolean tls = target.getScheme().equals("https");
        int port = target.getPort() > 0 ? target.getPort() : tls ? 443 : 80;
        String th = target.getHost().startsWith("[") ? target.getHost().substring(1, target.getHost().length() - 1) : target.getHost();
        List<InetAddress> addrs = names.resolveAny(sn, th);
        if (addrs.isEmpty()) {
            sn.audit(host, null, 80, "http", false, "route target " + th + " does not resolve");
            TcpEgress.forbidden(c, host + ": the route's target does not resolve");
            return;
        }
        String prefix = Optional.ofNullable(target.getRawPath()).orElse("").replaceAll("/+$", "");
        String authority = target.getRawAuthority();
        UnaryOperator<List<String>> add = inject(headers.get());
        forward(sn, HttpForward.of(c), th, addrs, port, tls, "http", lines -> {
            String[] req = lines.get(0).split(" ", 3);
            String path = req[1];
            if (path.regionMatches(true, 0, "http://", 0, 7)) {
                int slash = path.indexOf('/', 7);
                path = slash < 0 ? "/" : path.substring(slash);
            }
            if (!path.startsWith("/")) path = "/" + path;
            lines.set(0, req[0] + " " + prefix + path + " " + req[2]);
            remove(lines, List.of("host", "proxy-connection", "proxy-authorization"));
            lines.add(1, "Host: " + authority);
            return add.apply(lines);
        });
    }

    private void forward(SandboxNet sn, HttpForward.Stream client, String host, List<InetAddress> addrs, int port, boolean tls,
                         String proto, UnaryOperator<List<String>> rewrite) {
        Socket up;
        try {
            up = upstream.open(host, addrs, port, tls, sn.config().settings().caFile());
        } catch (Upstream.UntrustedException e) {
            sn.audit(host, addrs.get(0).getHostAddress(), port, proto, false, "upstream certificate not trusted: " + e.getMessage());
            refuse(client, "502 Bad Gateway", host + ": the server's certificate is not trusted");
            return;
        } catch (IOException e) {
            sn.audit(host, addrs.get(0).getHostAddress(), port, proto, false, "upstream unreachable: " + e.getMessage());
            refuse(client, "502 Bad Gateway", host + ": the server is unreachable");
            return;
        }
        if (sn.config().auditAll()) sn.audit(host, addrs.get(0).getHostAddress(), port, proto, true, "secrets injected");
        try {
            HttpForward.run(client, HttpForward.of(up), rewrite);
        } catch (IOException e) {
            client.close();
        }
    }

    /** Removes the header lines with these (lower-case) names, never the request line. */
    private static void remove(List<String> lines, List<String> names) {
        for (int i = lines.size() - 1; i >= 1; i--) if (names.contains(HttpHeads.name(lines.get(i)))) lines.remove(i);
    }

    private static void refuse(HttpForward.Stream client, String status, String why) {
        String body = "agentbox: " + why + "\n";
        String r = "HTTP/1.1 " + status + "\r\nContent-Type: text/plain; charset=utf-8\r\nX-Agentbox-Denied: " + why.replaceAll("[\\r\\n]", " ")
                + "\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body;
        try {
            client.out().write(r.getBytes(StandardCharsets.UTF_8));
            client.out().flush();
            client.shutdownOutput();
        } catch (IOException e) {
            // the client is gone
        }
        client.close();
    }

    private SSLContext leaf(SandboxNet sn, String host) {
        return leaves.computeIfAbsent(sn.id() + "/" + host, k -> {
            try {
                SandboxCa.Leaf leaf = SandboxCa.read(sn.dir).issue(host);
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                char[] pw = new char[0];
                ks.setKeyEntry("leaf", leaf.key(), pw, new Certificate[] {leaf.cert()});
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw);
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(kmf.getKeyManagers(), null, null);
                return ctx;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot make a certificate for " + host + ": " + e.getMessage(), e);
            }
        });
    }
}
