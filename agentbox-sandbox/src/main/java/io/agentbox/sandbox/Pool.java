package io.agentbox.sandbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One warm pool: {@code size} ready sandboxes of one <em>shape</em>, kept by
 * {@link SandboxProvider#withPool(Pool...)}. The shape is what a sandbox fixes when it is made and
 * cannot change afterwards: the template, the network policy (its namespace and egress wiring) and
 * the disk size (the writable tmpfs). A spec is served from the pool exactly when it has this shape
 * and carries no secrets and no {@code auditAll}; everything else of the spec (timeout, env,
 * metadata, cpu/memory/pids, workdir) is applied at hand-out.
 *
 * @param template    template name
 * @param size        ready sandboxes to keep (1..256)
 * @param idleTimeout a ready sandbox nobody took for this long is killed, and the pool is not refilled
 *                    until a spec of its shape is asked for again
 * @param network     network policy of the shape
 * @param diskMb      disk size of the shape in MiB
 */
public record Pool(String template, int size, Duration idleTimeout, NetworkPolicy network, long diskMb) {
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);
    public static final int MAX_SIZE = 256;

    public Pool {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(network, "network");
        if (template.isBlank()) throw new IllegalArgumentException("pool template must not be blank");
        if (size < 1 || size > MAX_SIZE) throw new IllegalArgumentException("pool size must be 1.." + MAX_SIZE + ", got " + size);
        if (idleTimeout.compareTo(Duration.ofSeconds(1)) < 0) throw new IllegalArgumentException("pool idle timeout must be at least 1s, got " + idleTimeout);
        new Resources(1, 16, 8, diskMb); // the same disk rule as a spec's
    }

    /** {@code size} sandboxes of {@code template} with the default shape: no network, the default disk. */
    public static Pool of(String template, int size) {
        return new Pool(template, size, DEFAULT_IDLE_TIMEOUT, NetworkPolicy.none(), Resources.DEFAULT.diskMb());
    }

    public Pool idleTimeout(Duration v) { return new Pool(template, size, v, network, diskMb); }
    public Pool network(NetworkPolicy v) { return new Pool(template, size, idleTimeout, v, diskMb); }
    public Pool diskMb(long v) { return new Pool(template, size, idleTimeout, network, v); }

    /** Whether a sandbox of this pool can serve {@code spec} (see the shape above). */
    public boolean serves(SandboxSpec spec) {
        return spec.template().equals(template) && spec.network().equals(network)
                && spec.resources().diskMb() == diskMb && spec.secrets().isEmpty() && spec.routes().isEmpty() && !spec.auditAll();
    }

    /**
     * Parses {@code TEMPLATE=N} as {@code --pool} takes it, several separated by commas
     * ({@code host=8,python=2}); each gets the default shape and idle timeout.
     */
    public static List<Pool> parse(String s) {
        List<Pool> out = new ArrayList<>();
        for (String part : s.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) throw new IllegalArgumentException("a pool is TEMPLATE=N (e.g. host=8), got '" + p + "'");
            int n;
            try {
                n = Integer.parseInt(p.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("pool size must be a number, got '" + p.substring(eq + 1) + "'");
            }
            String template = p.substring(0, eq).trim();
            if (out.stream().anyMatch(o -> o.template().equals(template))) throw new IllegalArgumentException("pool " + template + " is given twice");
            out.add(of(template, n));
        }
        return List.copyOf(out);
    }
}
