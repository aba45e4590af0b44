package io.agentbox.sandbox.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** hosts(5) files, re-read when they change; the egress resolver consults one before DNS. */
final class HostsFile {
    private record Loaded(FileTime mtime, long size, Map<String, List<InetAddress>> names) {}

    private final Map<Path, Loaded> cache = new ConcurrentHashMap<>();

    /** The addresses {@code file} gives {@code name}, or empty when it does not name it. */
    Optional<List<InetAddress>> lookup(Path file, String name) {
        Loaded l = load(file);
        return Optional.ofNullable(l.names().get(name.toLowerCase(Locale.ROOT)));
    }

    private Loaded load(Path file) {
        try {
            FileTime mtime = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            Loaded l = cache.get(file);
            if (l != null && l.mtime().equals(mtime) && l.size() == size) return l;
            Map<String, List<InetAddress>> names = new HashMap<>();
            for (String line : Files.readAllLines(file)) {
                int hash = line.indexOf('#');
                String[] f = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
                if (f.length < 2 || !f[0].matches("[0-9a-fA-F:.]+")) continue;
                InetAddress a;
                try {
                    a = InetAddress.getByName(f[0]);
                } catch (UnknownHostException e) {
                    continue;
                }
                for (int i = 1; i < f.length; i++) names.computeIfAbsent(f[i].toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(a);
            }
            l = new Loaded(mtime, size, Map.copyOf(names));
            cache.put(file, l);
            return l;
        } catch (IOException e) {
            return new Loaded(FileTime.fromMillis(0), -1, Map.of());
        }
    }
}
