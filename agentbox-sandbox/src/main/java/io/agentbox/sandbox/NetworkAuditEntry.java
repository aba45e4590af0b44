package io.agentbox.sandbox;

import java.time.Instant;
import java.util.Optional;

/**
 * One network attempt of a sandbox as its egress decided it. Refusals are always recorded; allowed
 * connections only when the sandbox audits everything ({@link SandboxSpec#auditAll()}).
 *
 * @param host     the name the attempt carried (TLS SNI, HTTP Host, CONNECT target, DNS question), when known
 * @param ip       the destination address, when known
 * @param port     the destination port (0 when not applicable)
 * @param protocol {@code tcp}, {@code udp}, {@code dns}, {@code http} or {@code tls}
 * @param decision {@code denied} or {@code allowed}
 * @param reason   why, in a few words
 */
public record NetworkAuditEntry(Instant ts, Optional<String> host, Optional<String> ip, int port, String protocol,
                                String decision, String reason) {
    public static final String DENIED = "denied";
    public static final String ALLOWED = "allowed";

    public boolean denied() {
        return DENIED.equals(decision);
    }
}
