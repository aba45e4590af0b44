package io.agentbox.server.e2b;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Per-sandbox envd access tokens: an HMAC of the sandbox id under a secret kept in the data dir, so
 * every node sharing that dir (and a restarted server) accepts the tokens it handed out, and nothing
 * has to be stored per sandbox. The SDK sends no API key to envd, so this token is the only thing
 * that ties an envd request to the tenant that created or connected to the sandbox.
 */
final class EnvdTokens {
    private static final String PREFIX = "ea_";
    private final byte[] secret;

    private EnvdTokens(byte[] secret) {
        this.secret = secret;
    }

    /** The secret of {@code dataDir/e2b-envd.key}, created (0600) on first use. */
    static EnvdTokens inDataDir(Path dataDir) {
        Path file = dataDir.resolve("e2b-envd.key");
        try {
            Files.createDirectories(dataDir);
            if (!Files.exists(file)) {
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                try {
                    Files.write(file, fresh, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (FileAlreadyExistsException raced) {
                    // another node created it first; use theirs
                }
            }
            byte[] secret = Files.readAllBytes(file);
            if (secret.length < 32) throw new IllegalStateException(file + " is damaged (shorter than 32 bytes); remove it to make a new one");
            return new EnvdTokens(secret);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }

    String issue(String sandboxId) {
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(sandboxId));
    }

    boolean valid(String sandboxId, Optional<String> token) {
        if (token.isEmpty() || !token.get().startsWith(PREFIX)) return false;
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(token.get().substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(mac(sandboxId), given);
    }

    private byte[] mac(String sandboxId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(("envd:" + sandboxId).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
