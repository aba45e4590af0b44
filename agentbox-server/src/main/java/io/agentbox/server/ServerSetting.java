package io.agentbox.server;

import io.agentbox.ConfigException;

import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One setting of {@link ServerConfig}, declared once: its name (the flag {@code --NAME} and the config-file
 * key), its environment variable, how its text is parsed and checked, its default (written as a user
 * writes it, and parsed like any value) and what it does. {@code agentbox serve} makes its flags and
 * their help from these.
 *
 * @param <T> the parsed value
 */
public final class ServerSetting<T> {
    private final String key;
    private final String env;
    private final Function<String, T> parser;
    private final Optional<String> defaultText;
    private final Optional<T> defaultValue;
    private final String about;
    private final Consumer<? super T> check;
    private final boolean secret;
    private final boolean repeatable;

    ServerSetting(String key, String env, Function<String, T> parser, Optional<String> defaultText, String about,
                  Consumer<? super T> check, boolean secret, boolean repeatable) {
        this.key = key;
        this.env = env;
        this.parser = parser;
        this.defaultText = defaultText;
        this.about = about;
        this.check = check;
        this.secret = secret;
        this.repeatable = repeatable;
        this.defaultValue = defaultText.map(this::parse);
    }

    /** The flag (without {@code --}) and config-file key, e.g. {@code rate-limit}. */
    public String key() {
        return key;
    }

    /** The environment variable, e.g. {@code AGENTBOX_RATE_LIMIT} (a few follow other tools' names). */
    public String env() {
        return env;
    }

    /** What it does, with its default. */
    public String description() {
        return about + defaultText.map(d -> " (default " + d + ")").orElse("");
    }

    /** A value never shown in messages or {@link ServerConfig#toString()}. */
    public boolean secret() {
        return secret;
    }

    /** Given more than once on a command line (its values joined with commas). */
    public boolean repeatable() {
        return repeatable;
    }

    /**
     * Parses and checks a value as written in a flag, variable or file; null for a word that means no value
     * ({@code unlimited}, {@code none}).
     */
    T parse(String text) {
        T v = parser.apply(text);
        if (v != null) check(v);
        return v;
    }

    /** @throws ConfigException naming this setting when {@code v} is out of its range */
    void check(T v) {
        try {
            check.accept(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + " " + e.getMessage() + ", got " + v);
        }
    }

    Optional<T> defaultValue() {
        return defaultValue;
    }

    @Override
    public String toString() {
        return "--" + key;
    }
}
