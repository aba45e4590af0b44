package io.agentbox.sandbox.local;

import io.agentbox.sandbox.SandboxException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The native init shipped in this jar, extracted once per version into {@code <home>/bin}. */
final class NativeInit {
    private static final String RESOURCE = "native/agentbox-init";

    private NativeInit() {}

    static Path ensure(Path home) {
        byte[] binary;
        try (InputStream in = NativeInit.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new SandboxException("the sandbox init is missing from this build (was it compiled? see agentbox-sandbox/src/main/native)");
            binary = in.readAllBytes();
        } catch (IOException e) {
            throw new SandboxException("cannot read the sandbox init: " + e.getMessage(), e);
        }
        Path target = home.resolve("bin").resolve("agentbox-init-" + sha256(binary).substring(0, 16));
        try {
            if (!Files.isExecutable(target)) {
                Files.createDirectories(target.getParent());
                Path tmp = Files.createTempFile(target.getParent(), ".init-", ".tmp");
                Files.write(tmp, binary);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            linkFastPath(target);
            return target;
        } catch (IOException e) {
            throw new SandboxException("cannot install the sandbox init into " + target.getParent() + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code <home>/bin/agentbox-fast}: the init of the newest build that ran here, which the launcher
     * asks first for {@code sandbox exec} (it hands back what it cannot serve). Repointed atomically.
     */
    private static void linkFastPath(Path init) throws IOException {
        Path link = init.resolveSibling("agentbox-fast");
        if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(init.getFileName())) return;
        Path tmp = init.resolveSibling(".fast-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        Files.createSymbolicLink(tmp, init.getFileName());
        Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
