package io.agentbox.server;

import io.agentbox.ConfigException;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BiConsumer;

/**
 * Where {@link ServerConfig#load} finds values: flags, then the environment, then the config file named by
 * {@code --config} / {@code AGENTBOX_CONFIG}. A value that does not parse fails naming its source.
 */
final class ConfigSources {
    private ConfigSources() {}

    static void read(List<ServerSetting<?>> settings, Map<String, String> flags, Map<String, String> env,
                     BiConsumer<ServerSetting<?>, String> apply) {
        for (String key : flags.keySet()) {
            if (!key.equals(ServerConfig.CONFIG_FILE_KEY) && byKey(settings, key).isEmpty()) {
                throw new ConfigException("unknown setting --" + key);
            }
        }
        Map<String, String> file = new LinkedHashMap<>();
        String fileName = flags.getOrDefault(ServerConfig.CONFIG_FILE_KEY, env.get(ServerConfig.CONFIG_FILE_ENV));
        if (fileName != null) file.putAll(readFile(settings, Path.of(fileName)));

        for (ServerSetting<?> s : settings) {
            String source;
            String value;
            if (flags.containsKey(s.key())) { value = flags.get(s.key()); source = "--" + s.key(); }
            else if (env.containsKey(s.env()) && !env.get(s.env()).isEmpty()) { value = env.get(s.env()); source = s.env(); }
            else if (file.containsKey(s.key())) { value = file.get(s.key()); source = "config file key " + s.key(); }
            else continue;
            try {
                apply.accept(s, value.trim());
            } catch (RuntimeException e) {
                throw new ConfigException("invalid " + source + " '" + (s.secret() ? "…" : value) + "': " + e.getMessage());
            }
        }
    }

    private static Optional<ServerSetting<?>> byKey(List<ServerSetting<?>> settings, String key) {
        return settings.stream().filter(s -> s.key().equals(key)).findFirst();
    }

    private static Map<String, String> readFile(List<ServerSetting<?>> settings, Path path) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(path)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + path + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (byKey(settings, key).isEmpty()) throw new ConfigException("unknown key '" + key + "' in config file " + path);
            out.put(key, p.getProperty(key));
        }
        return out;
    }
}
