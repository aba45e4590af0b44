package io.agentbox.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What a sandbox leaves on the host while it lives: processes, mounts, cgroups. Empty once it is gone. */
public final class Traces {
    private Traces() {}

    public static List<String> of(String sandboxId) {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    if (cmdline.contains(sandboxId)) found.add("process " + p.getFileName() + ": " + cmdline.trim());
                } catch (IOException e) {
                    // exited meanwhile
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                if (line.contains(sandboxId)) found.add("mount: " + line);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (String c : List.of("memory", "pids", "cpu", "cpu,cpuacct", "")) {
            Path d = Path.of("/sys/fs/cgroup", c, "agentbox", sandboxId);
            if (Files.exists(d)) found.add("cgroup: " + d);
        }
        return found;
    }
}
