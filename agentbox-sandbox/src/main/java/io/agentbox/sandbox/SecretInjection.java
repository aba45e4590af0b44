package io.agentbox.sandbox;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A credential added at the sandbox's egress: requests from the sandbox to {@code host} get
 * {@code header} set to the value of the host-side environment variable {@code env} (or a value given
 * directly). The sandbox sees only a placeholder in {@code env}; the value never enters it. HTTPS to
 * {@code host} is terminated with a per-sandbox CA that the sandbox trusts; other hosts are spliced
 * untouched. The value is never part of {@link #toString()}.
 */
public final class SecretInjection {
    private final String host;
    private final String header;
    private final String env;
    private final Optional<String> value;

    private SecretInjection(String host, String header, String env, Optional<String> value) {
        this.host = Objects.requireNonNull(host, "host").trim().toLowerCase(Locale.ROOT);
        this.header = Objects.requireNonNull(header, "header").trim();
        this.env = Objects.requireNonNull(env, "env").trim();
        this.value = value;
        if (this.host.isEmpty() || this.host.contains("/") || this.host.contains(" ")) throw new IllegalArgumentException("secret host must be a host name, got '" + host + "'");
        if (!this.header.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) throw new IllegalArgumentException("secret header must be an HTTP header name, got '" + header + "'");
        if (!this.env.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new IllegalArgumentException("secret variable must be an environment variable name, got '" + env + "'");
        value.ifPresent(v -> {
            if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) throw new IllegalArgumentException("secret value must be one line");
        });
    }

    /** {@code header} of requests to {@code host} set from the host-side environment variable {@code env}. */
    public static SecretInjection fromEnv(String host, String header, String env) {
        return new SecretInjection(host, header, env, Optional.empty());
    }

    /** The same, with the value given here instead of read from the environment; {@code env} names the placeholder. */
    public static SecretInjection withValue(String host, String header, String env, String value) {
        return new SecretInjection(host, header, env, Optional.of(Objects.requireNonNull(value, "value")));
    }

    /** Parses {@code HOST:HEADER=ENV}, the CLI's form. */
    public static SecretInjection parse(String spec) {
        int colon = spec.indexOf(':');
        int eq = spec.indexOf('=', colon + 1);
        if (colon <= 0 || eq <= colon + 1 || eq == spec.length() - 1) {
            throw new IllegalArgumentException("secret must be HOST:HEADER=ENV, got '" + spec + "'");
        }
        return fromEnv(spec.substring(0, colon), spec.substring(colon + 1, eq), spec.substring(eq + 1));
    }

    public String host() { return host; }

    public String header() { return header; }

    public String env() { return env; }

    /** The value to inject: the given one, else the environment variable's; empty when neither exists. */
    public Optional<String> resolve() {
        return value.isPresent() ? value : Optional.ofNullable(System.getenv(env));
    }

    /** The placeholder the sandbox sees in {@link #env()}. */
    public String placeholder() {
        return "agentbox-secret-placeholder";
    }

    @Override public boolean equals(Object o) {
        return o instanceof SecretInjection s && s.host.equals(host) && s.header.equals(header) && s.env.equals(env) && s.value.equals(value);
    }

    @Override public int hashCode() { return Objects.hash(host, header, env); }

    @Override public String toString() { return host + ":" + header + "=" + env; }
}
