package io.agentbox.server.auth;

import io.agentbox.Ids;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * API keys look like {@code agb_<key id>_<secret>}: the id finds the stored row, the secret (256 random
 * bits) is checked against its SHA-256 in constant time. A fast hash suffices because the secret has
 * full entropy; there is nothing to brute-force.
 */
public final class ApiKeys {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern FORMAT = Pattern.compile("agb_(key_[0-9A-Z]{26})_([A-Za-z0-9_-]{43})");

    private ApiKeys() {}

    /** A new key: its id, the full plaintext (shown once) and the hash to store. */
    public record NewKey(String id, String plaintext, String secretHash) {
        @Override
        public String toString() {
            return "NewKey[id=" + id + "]";
        }
    }

    public record Parsed(String keyId, String secret) {
        @Override
        public String toString() {
            return "Parsed[keyId=" + keyId + "]";
        }
    }

    public static NewKey generate() {
        String id = Ids.newId("key");
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        return new NewKey(id, "agb_" + id + "_" + secret, hash(secret));
    }

    public static Optional<Parsed> parse(String token) {
        Matcher m = FORMAT.matcher(token);
        return m.matches() ? Optional.of(new Parsed(m.group(1), m.group(2))) : Optional.empty();
    }

    public static String hash(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }

    /** Constant-time comparison of a presented secret with a stored hash. */
    public static boolean matches(String secret, String storedHash) {
        return MessageDigest.isEqual(sha256(secret), HexFormat.of().parseHex(storedHash));
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
