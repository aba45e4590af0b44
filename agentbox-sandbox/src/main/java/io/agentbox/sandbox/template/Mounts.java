package io.agentbox.sandbox.template;

import io.agentbox.ErrorCategory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A snapshot of the mounts of every mount namespace on the machine. A sandbox mounts its template's rootfs
 * in a namespace of its own, invisible to {@code /proc/self/mountinfo}; deleting that directory would pull
 * files from under the running sandbox, so removal asks here first.
 */
final class Mounts {
    private record Mount(String device, String root, String mountPoint, String superOptions) {}

    private final List<Mount> own;
    private final List<Mount> all;

    private Mounts(List<Mount> own, List<Mount> all) {
        this.own = own;
        this.all = all;
    }

    static Mounts snapshot() {
        List<Mount> all = new ArrayList<>();
        Set<String> namespaces = new HashSet<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path proc : procs) {
                try {
                    if (namespaces.add(Files.readSymbolicLink(proc.resolve("ns/mnt")).toString())) {
                        all.addAll(read(proc.resolve("mountinfo")));
                    }
                } catch (IOException e) {
                    // the process ended meanwhile, or is not ours to inspect: it cannot be a sandbox of ours then
                }
            }
            return new Mounts(read(Path.of("/proc/self/mountinfo")), all);
        } catch (IOException e) {
            throw new TemplateException(ErrorCategory.INTERNAL, "cannot read the mount table: " + e.getMessage(), e);
        }
    }

    /** Whether {@code dir} (absolute, without symlinks) or anything below it is mounted in any mount namespace. */
    boolean inUse(Path dir) {
        String path = dir.toString();
        Mount host = null;
        for (Mount m : own) {
            if (isAtOrBelow(path, m.mountPoint()) && (host == null || m.mountPoint().length() >= host.mountPoint().length())) host = m;
        }
        if (host == null) return false;
        String suffix = host.mountPoint().equals("/") ? path : path.substring(host.mountPoint().length());
        String relative = host.root().equals("/") ? suffix : host.root() + suffix;
        for (Mount m : all) {
            boolean bound = m.device().equals(host.device()) && isAtOrBelow(m.root(), relative);
            // overlayfs names its layers in the super options rather than in the root field
            boolean layered = m.superOptions().contains(path + "/") || m.superOptions().contains(path + ",")
                    || m.superOptions().endsWith(path);
            if (bound || layered) return true;
        }
        return false;
    }

    private static boolean isAtOrBelow(String path, String dir) {
        return dir.equals("/") || path.equals(dir) || path.startsWith(dir + "/");
    }

    private static List<Mount> read(Path mountinfo) throws IOException {
        List<Mount> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(mountinfo)) {
            // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (f.length < 5 || dash < 0) continue;
            String superOptions = dash + 3 < f.length ? f[dash + 3] : "";
            mounts.add(new Mount(f[2], unescape(f[3]), unescape(f[4]), unescape(superOptions)));
        }
        return mounts;
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes such as {@code \040}. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
