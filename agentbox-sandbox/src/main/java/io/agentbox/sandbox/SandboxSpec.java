package io.agentbox.sandbox;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything needed to create a sandbox. Immutable; build with {@link #builder()}.
 *
 * @param template    template name ({@code host} works out of the box)
 * @param timeout     lifetime: the sandbox ends itself this long after creation unless extended
 * @param idleTimeout optional: callers that track activity (sessions, the server) end the sandbox after this much idleness
 * @param metadata    free string labels, returned by {@code info} and usable as {@code list} filters
 * @param env         environment variables of every command (commands may add their own)
 * @param resources   cgroup and disk limits
 * @param network     network policy
 * @param workdir     the default working directory of commands and of relative file paths
 * @param secrets     credentials added to requests at the egress (never inside the sandbox)
 * @param auditAll    record every allowed connection too, not only refusals
 * @param routes      plain-HTTP names inside the sandbox that the egress forwards to an operator-chosen
 *                    URI (any address, host loopback included), with the sandbox's secrets for the name
 * @param mounts      host directories shown read-only inside (e.g. an installed tool); local provider only
 */
public record SandboxSpec(
        String template,
        Duration timeout,
        Optional<Duration> idleTimeout,
        Map<String, String> metadata,
        Map<String, String> env,
        Resources resources,
        NetworkPolicy network,
        String workdir,
        List<SecretInjection> secrets,
        boolean auditAll,
        Map<String, URI> routes,
        List<Mount> mounts) {

    public static final String DEFAULT_TEMPLATE = "host";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    public static final String DEFAULT_WORKDIR = "/workspace";

    public SandboxSpec {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(workdir, "workdir");
        secrets = List.copyOf(secrets);
        routes = Map.copyOf(routes);
        if (!routes.isEmpty() && network instanceof NetworkPolicy.None) {
            throw new IllegalArgumentException("routes need a network (open or allow); this sandbox has none");
        }
        routes.forEach(SandboxSpec::checkRoute);
        if (!secrets.isEmpty() && network instanceof NetworkPolicy.None) {
            throw new IllegalArgumentException("secrets need a network (open or allow); this sandbox has none");
        }
        if (template.isBlank()) throw new IllegalArgumentException("template must not be blank");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        if (!workdir.startsWith("/")) throw new IllegalArgumentException("workdir must be an absolute path, got " + workdir);
        metadata = Map.copyOf(metadata);
        env = Map.copyOf(env);
        env.keySet().forEach(SandboxSpec::checkEnvName);
        mounts = List.copyOf(mounts);
        if (mounts.stream().map(Mount::sandboxPath).distinct().count() != mounts.size()) {
            throw new IllegalArgumentException("two read-only mounts at the same sandbox path");
        }
    }

    /**
     * A host directory bound read-only at {@code sandboxPath}. Under a built template the mount point must
     * exist in the template or lie below {@code /run}, {@code /tmp}, {@code /home/user} or {@code /workspace}
     * (the root itself is read-only); the {@code host} template takes any path.
     */
    public record Mount(java.nio.file.Path hostPath, String sandboxPath) {
        public Mount {
            Objects.requireNonNull(hostPath, "hostPath");
            Objects.requireNonNull(sandboxPath, "sandboxPath");
            if (!hostPath.isAbsolute()) throw new IllegalArgumentException("mount source must be an absolute host path, got " + hostPath);
            if (!sandboxPath.startsWith("/") || sandboxPath.equals("/") || sandboxPath.contains("/../") || sandboxPath.endsWith("/..")
                    || sandboxPath.contains("//") || sandboxPath.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("mount point must be an absolute sandbox path below /, got " + sandboxPath);
            }
        }
    }

    private static void checkRoute(String host, URI target) {
        if (!host.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")) {
            throw new IllegalArgumentException("route host must be a lower-case DNS name with a dot, got '" + host + "'");
        }
        String scheme = Optional.ofNullable(target.getScheme()).orElse("");
        if (!scheme.equals("http") && !scheme.equals("https") || target.getHost() == null || target.getRawUserInfo() != null
                || target.getRawQuery() != null || target.getRawFragment() != null) {
            throw new IllegalArgumentException("route target must be an http:// or https:// URI with a host and no user, query or fragment, got '" + target + "'");
        }
    }

    static void checkEnvName(String name) {
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid environment variable name: '" + name + "'");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.template = template;
        b.timeout = timeout;
        b.idleTimeout = idleTimeout.orElse(null);
        b.metadata.putAll(metadata);
        b.env.putAll(env);
        b.resources = resources;
        b.network = network;
        b.workdir = workdir;
        b.secrets.addAll(secrets);
        b.auditAll = auditAll;
        b.routes.putAll(routes);
        b.mounts.addAll(mounts);
        return b;
    }

    public static final class Builder {
        private String template = DEFAULT_TEMPLATE;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration idleTimeout;
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private Resources resources = Resources.DEFAULT;
        private NetworkPolicy network = NetworkPolicy.none();
        private String workdir = DEFAULT_WORKDIR;
        private final List<SecretInjection> secrets = new ArrayList<>();
        private boolean auditAll;
        private final Map<String, URI> routes = new LinkedHashMap<>();
        private final List<Mount> mounts = new ArrayList<>();

        private Builder() {}

        public Builder template(String template) { this.template = template; return this; }
        public Builder timeout(Duration timeout) { this.timeout = timeout; return this; }
        public Builder idleTimeout(Duration idleTimeout) { this.idleTimeout = idleTimeout; return this; }
        public Builder metadata(String key, String value) { metadata.put(key, value); return this; }
        public Builder metadata(Map<String, String> values) { metadata.putAll(values); return this; }
        public Builder env(String name, String value) { env.put(name, value); return this; }
        public Builder env(Map<String, String> values) { env.putAll(values); return this; }
        public Builder resources(Resources resources) { this.resources = resources; return this; }
        public Builder memoryMb(long mb) { resources = resources.withMemoryMb(mb); return this; }
        public Builder cpus(double cpus) { resources = resources.withCpus(cpus); return this; }
        public Builder pids(int pids) { resources = resources.withPids(pids); return this; }
        public Builder diskMb(long mb) { resources = resources.withDiskMb(mb); return this; }
        public Builder network(NetworkPolicy network) { this.network = network; return this; }
        public Builder workdir(String workdir) { this.workdir = workdir; return this; }
        public Builder secret(SecretInjection secret) { secrets.add(secret); return this; }
        public Builder secrets(List<SecretInjection> values) { secrets.addAll(values); return this; }
        public Builder auditAll(boolean auditAll) { this.auditAll = auditAll; return this; }
        /** Shows the host directory {@code hostPath} read-only at {@code sandboxPath} (see {@link Mount}). */
        public Builder mountReadOnly(java.nio.file.Path hostPath, String sandboxPath) { mounts.add(new Mount(hostPath, sandboxPath)); return this; }

        /**
         * Inside the sandbox, plain-HTTP requests to {@code http://host/...} (port 80) go to {@code target}
         * (its path prefix kept), with the sandbox's secrets for {@code host} set; the name resolves inside
         * and is allowed in {@code allow} mode. The target may be any address, host loopback included:
         * the operator chose it, not the sandbox.
         */
        public Builder route(String host, URI target) {
            routes.put(Objects.requireNonNull(host, "host").trim().toLowerCase(java.util.Locale.ROOT), Objects.requireNonNull(target, "target"));
            return this;
        }

        public SandboxSpec build() {
            return new SandboxSpec(template, timeout, Optional.ofNullable(idleTimeout), metadata, env, resources, network, workdir, secrets, auditAll, routes, mounts);
        }
    }
}
