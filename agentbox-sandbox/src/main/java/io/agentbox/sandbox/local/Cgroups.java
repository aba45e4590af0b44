package io.agentbox.sandbox.local;

import io.agentbox.sandbox.Resources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Per-sandbox cgroups on either hierarchy: v2 (one directory with memory, pids and cpu) or v1 (one
 * directory per controller, as on machines that still mount the legacy hierarchy). This class only
 * plans paths and values and reads counters; the native launcher creates, joins and removes them.
 */
abstract sealed class Cgroups {
    static final long CPU_PERIOD_US = 100_000;

    /** A value to write: {@code file=value}, in order. */
    record Setting(Path file, String value) {
        String arg() {
            return file + "=" + value;
        }
    }

    /** Directories to create for this sandbox, parents first. */
    abstract List<Path> dirs(String id);

    abstract List<Setting> settings(String id, Resources r);

    /** How many times the OOM killer acted in this sandbox so far (0 when unknown). */
    final long oomKills(String id) {
        return readCounter(oomCounter(id), "oom_kill");
    }

    /** The file whose {@code oom_kill} line counts the sandbox's OOM kills. */
    abstract Path oomCounter(String id);

    abstract String describe();

    static Optional<Cgroups> detect(Path root) {
        try {
            Path controllers = root.resolve("cgroup.controllers");
            if (Files.exists(controllers)) {
                Set<String> have = Set.of(Files.readString(controllers).trim().split("\\s+"));
                if (have.containsAll(Set.of("memory", "pids", "cpu")) && Files.isWritable(root)) return Optional.of(new V2(root));
                return Optional.empty();
            }
            Path memory = root.resolve("memory");
            Path pids = root.resolve("pids");
            Path cpu = Files.isDirectory(root.resolve("cpu")) ? root.resolve("cpu") : root.resolve("cpu,cpuacct");
            if (Files.isDirectory(memory) && Files.isDirectory(pids) && Files.isDirectory(cpu) && Files.isWritable(memory)) {
                return Optional.of(new V1(memory, pids, cpu));
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    static long readCounter(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                String[] kv = line.trim().split("\\s+");
                if (kv.length == 2 && kv[0].equals(key)) return Long.parseLong(kv[1]);
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    static final class V2 extends Cgroups {
        private final Path parent;

        V2(Path root) {
            this.parent = root.resolve("agentbox");
        }

        @Override
        List<Path> dirs(String id) {
            return List.of(parent.resolve(id));
        }

        @Override
        List<Setting> settings(String id, Resources r) {
            Path d = parent.resolve(id);
            List<Setting> s = new ArrayList<>();
            s.add(new Setting(parent.resolve("cgroup.subtree_control"), "+memory +pids +cpu"));
            s.add(new Setting(d.resolve("memory.max"), String.valueOf(r.memoryMb() << 20)));
            s.add(new Setting(d.resolve("memory.swap.max"), "0"));
            s.add(new Setting(d.resolve("pids.max"), String.valueOf(r.pids())));
            s.add(new Setting(d.resolve("cpu.max"), Math.round(r.cpus() * CPU_PERIOD_US) + " " + CPU_PERIOD_US));
            return s;
        }

        @Override
        Path oomCounter(String id) {
            return parent.resolve(id).resolve("memory.events");
        }

        @Override
        String describe() {
            return "cgroup v2 at " + parent;
        }
    }

    static final class V1 extends Cgroups {
        private final Path memory;
        private final Path pids;
        private final Path cpu;

        V1(Path memory, Path pids, Path cpu) {
            this.memory = memory.resolve("agentbox");
            this.pids = pids.resolve("agentbox");
            this.cpu = cpu.resolve("agentbox");
        }

        @Override
        List<Path> dirs(String id) {
            return List.of(memory.resolve(id), pids.resolve(id), cpu.resolve(id));
        }

        @Override
        List<Setting> settings(String id, Resources r) {
            Path m = memory.resolve(id);
            List<Setting> s = new ArrayList<>();
            s.add(new Setting(m.resolve("memory.limit_in_bytes"), String.valueOf(r.memoryMb() << 20)));
            if (Files.exists(memory.getParent().resolve("memory.memsw.limit_in_bytes"))) {
                // with swap accounting on, memory+swap gets the same cap: the limit cannot be dodged into swap
                s.add(new Setting(m.resolve("memory.memsw.limit_in_bytes"), String.valueOf(r.memoryMb() << 20)));
            }
            s.add(new Setting(pids.resolve(id).resolve("pids.max"), String.valueOf(r.pids())));
            s.add(new Setting(cpu.resolve(id).resolve("cpu.cfs_period_us"), String.valueOf(CPU_PERIOD_US)));
            s.add(new Setting(cpu.resolve(id).resolve("cpu.cfs_quota_us"), String.valueOf(Math.round(r.cpus() * CPU_PERIOD_US))));
            return s;
        }

        @Override
        Path oomCounter(String id) {
            return memory.resolve(id).resolve("memory.oom_control");
        }

        @Override
        String describe() {
            return "cgroup v1 at " + memory.getParent().getParent();
        }
    }
}
