package io.agentbox.sandbox.net;

import io.agentbox.sandbox.NetworkAuditEntry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

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
