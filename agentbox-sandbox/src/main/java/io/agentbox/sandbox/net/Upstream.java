package io.agentbox.sandbox.net;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connections from the egress to the servers where it injects secrets: plain, or TLS verified against
 * the system roots plus the operator's extra roots ({@code AGENTBOX_EGRESS_CA_FILE}), host name checked.
 */
final class Upstream {
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private final Map<Optional<Path>, SSLContext> contexts = new ConcurrentHashMap<>();

    /** Connects to the first reachable address; with {@code tls}, completes a verified handshake for {@code host}. */
    Socket open(String host, List<InetAddress> addrs, int port, boolean tls, Optional<Path> extraRoots) throws IOException {
        IOException last = new IOException(host + " has no address");
        for (InetAddress a : addrs) {
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(a, port), CONNECT_TIMEOUT_MS);
            } catch (IOException e) {
                s.close();
                last = e;
                continue;
            }
            if (!tls) return s;
            SSLSocket t = (SSLSocket) context(extraRoots).getSocketFactory().createSocket(s, host, port, true);
            try {
                SSLParameters p = t.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                if (!Sniff.isIpLiteral(host)) p.setServerNames(List.of(new SNIHostName(host)));
                p.setApplicationProtocols(new String[] {"http/1.1"});
                t.setSSLParameters(p);
                t.startHandshake();
                return t;
            } catch (IOException e) {
                t.close();
                throw new UntrustedException(e.getMessage(), e);
            }
        }
        throw last;
    }

    /** The upstream's certificate was not accepted: the connection is refused, never forwarded. */
    static final class UntrustedException extends IOException {
        UntrustedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private SSLContext context(Optional<Path> extraRoots) {
        return contexts.computeIfAbsent(extraRoots, Upstream::build);
    }

    private static SSLContext build(Optional<Path> extraRoots) {
        try {
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (var tm : system.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) for (X509Certificate c : x.getAcceptedIssuers()) ks.setCertificateEntry("system-" + i++, c);
            }
            if (extraRoots.isPresent() && Files.isReadable(extraRoots.get())) {
                try (InputStream in = Files.newInputStream(extraRoots.get())) {
                    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) ks.setCertificateEntry("extra-" + i++, c);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up upstream TLS verification: " + e.getMessage(), e);
        }
    }
}
