package io.agentbox.sandbox.net;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/** Injects secrets into requests to their hosts (TLS terminated with the sandbox's CA). */
final class Secrets {
    private final EgressDaemon egress;

    Secrets(EgressDaemon egress) {
        this.egress = egress;
    }

    void serve(EgressDaemon.SandboxNet sn, Conn c, Sniff.Result first, String host, List<InetAddress> addrs, int port, SecretInjectionRule rule) {
        Optional<Conn> up = egress.connect(sn, host, addrs, port, "tcp");
        up.ifPresent(u -> Conn.splice(c, u));
    }
}
