package io.agentbox.sandbox.template;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A template a sandbox can be created from. Rootfs templates live in
 * {@code $AGENTBOX_HOME/templates/<name>/} as {@code template.json} (these fields) and {@code rootfs/}.
 *
 * @param name      template name
 * @param hash      SHA-256 of the spec it was built from ({@link TemplateSpec#hash()}); {@code builtin} for {@code host}
 * @param kind      {@link Kind#HOST}: the host's {@code /usr} read-only; {@link Kind#ROOTFS}: a root filesystem of its own
 * @param rootfs    the root filesystem directory (present exactly for {@link Kind#ROOTFS}); never written to by sandboxes
 * @param env       environment defaults of every command in sandboxes of this template
 * @param createdAt when the build finished ({@link Instant#EPOCH} for built-in templates)
 * @param sizeBytes disk usage of the root filesystem (0 for built-in templates)
 * @param builtIn   whether the template ships with agentbox (and cannot be removed)
 */
public record TemplateInfo(
        String name,
        String hash,
        Kind kind,
        Optional<Path> rootfs,
        Map<String, String> env,
        Instant createdAt,
        long sizeBytes,
        boolean builtIn) {

    public enum Kind {
        HOST,
        ROOTFS;

        /** The name used in {@code template.json}, e.g. {@code rootfs}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The built-in {@code host} template. */
    public static final TemplateInfo HOST = new TemplateInfo(
            Templates.HOST, "builtin", Kind.HOST, Optional.empty(), Map.of(), Instant.EPOCH, 0, true);

    public TemplateInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(rootfs, "rootfs");
        Objects.requireNonNull(createdAt, "createdAt");
        env = Map.copyOf(env);
        if (rootfs.isPresent() != (kind == Kind.ROOTFS)) {
            throw new IllegalArgumentException("a " + kind.wireName() + " template " + (rootfs.isPresent() ? "has no" : "needs a") + " rootfs");
        }
    }
}
