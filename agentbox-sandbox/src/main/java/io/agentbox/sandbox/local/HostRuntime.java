package io.agentbox.sandbox.local;

import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.net.Egress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What creating sandboxes needs from the machine: root, bubblewrap, a cgroup hierarchy with the
 * controllers of the limits, and in the data dir the native init, the host's {@code /etc} view and the
 * sandboxes' {@code resolv.conf}. Checked on first use, not when a provider is constructed.
 */
record HostRuntime(Path bwrap, Path init, Cgroups cgroups, Path hostEtc, Path resolvConf) {
    static HostRuntime prepare(Path home, Path sandboxes) {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new SandboxException("local sandboxes need root (for cgroup limits and mounts); run agentbox as root");
        }
        Path bwrap = findBwrap().orElseThrow(() -> new SandboxException(
                "bubblewrap is not installed: install it with 'apt-get install bubblewrap'"));
        Cgroups cgroups = Cgroups.detect(Path.of("/sys/fs/cgroup")).orElseThrow(() -> new SandboxException(
                "no usable cgroup hierarchy with memory, pids and cpu controllers under /sys/fs/cgroup"));
        try {
            Files.createDirectories(sandboxes);
            return new HostRuntime(bwrap, NativeInit.ensure(home), cgroups, HostEtc.ensure(home), resolvConf(home));
        } catch (IOException e) {
            throw new SandboxException("cannot prepare " + home + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Path> findBwrap() {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("") + ":/usr/bin:/usr/local/bin:/bin";
        return Stream.of(path.split(":")).filter(s -> !s.isEmpty()).map(d -> Path.of(d, "bwrap"))
                .filter(Files::isExecutable).findFirst();
    }

    /** Every sandbox's resolv.conf, naming the egress's DNS: one read-only file per data dir. */
    private static Path resolvConf(Path home) throws IOException {
        Path f = home.resolve("net").resolve("resolv.conf");
        if (!Files.exists(f) || !Files.readString(f).equals(Egress.RESOLV_CONF)) {
            Files.createDirectories(f.getParent());
            Path tmp = Files.createTempFile(f.getParent(), ".resolv", ".tmp");
            Files.writeString(tmp, Egress.RESOLV_CONF);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return f;
    }
}
