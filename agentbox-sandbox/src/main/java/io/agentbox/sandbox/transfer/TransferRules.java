package io.agentbox.sandbox.transfer;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which files may cross the sandbox boundary by name: one set of rules for the CLI's uploads and
 * downloads and the server's artifacts. Paths use {@code /}; every component is looked at, so a
 * rule holds at any depth ({@code sub/.git/hooks} as well as {@code .git/hooks}).
 */
public final class TransferRules {
    private static final Set<String> SECRET_NAMES = Set.of(".env", ".netrc", ".npmrc", ".pypirc", ".git-credentials");
    private static final Set<String> SECRET_DIRS = Set.of(".ssh", ".aws");
    /** Files a shell, or direnv, runs by itself: written by the agent, they would run its code on the host. */
    private static final Set<String> STARTUP_FILES = Set.of(".envrc", ".bashrc", ".bash_profile", ".bash_login", ".bash_logout",
            ".profile", ".zshrc", ".zshenv", ".zprofile", ".zlogin", ".zlogout", ".kshrc", ".mkshrc", ".cshrc", ".tcshrc",
            ".login", ".logout", "config.fish");
    private static final Set<String> EDITOR_DIRS = Set.of(".vscode", ".idea");

    private TransferRules() {}

    /** Why a host file or directory is not uploaded unless asked for ({@code --upload-all}); empty if it is. */
    public static Optional<String> uploadSkip(String path) {
        List<String> c = components(path);
        for (int i = 0; i < c.size(); i++) {
            String name = c.get(i);
            boolean last = i == c.size() - 1;
            if (SECRET_DIRS.contains(name)) return Optional.of("credentials directory");
            if (name.equals(".docker") && i + 1 < c.size() && c.get(i + 1).equals("config.json")) return Optional.of("registry credentials");
            if (!last) continue;
            if (SECRET_NAMES.contains(name) || name.startsWith(".env.")) return Optional.of("secrets file");
            if (name.endsWith(".pem") || name.endsWith(".key") || name.startsWith("id_")) return Optional.of("key file");
        }
        return Optional.empty();
    }

    /**
     * Why a sandbox file or directory is not written to the host unless asked for ({@code --download-all}):
     * files that git, a shell, direnv or an editor would run by themselves. Empty if it is written.
     */
    public static Optional<String> downloadSkip(String path) {
        List<String> c = components(path);
        for (int i = 0; i < c.size(); i++) {
            String name = c.get(i);
            boolean last = i == c.size() - 1;
            if (name.equals(".git") && i + 1 < c.size()) {
                String next = c.get(i + 1);
                if (next.equals("hooks")) return Optional.of("git hooks run at the next git command");
                if (next.equals("config") && i + 2 == c.size()) return Optional.of("git config can run programs (core.fsmonitor, hooksPath)");
            }
            if (EDITOR_DIRS.contains(name)) return Optional.of("editor settings can run tasks");
            if (last && STARTUP_FILES.contains(name)) return Optional.of("start-up file a shell or direnv runs");
        }
        return Optional.empty();
    }

    private static List<String> components(String path) {
        return java.util.Arrays.stream(path.split("/+")).filter(s -> !s.isEmpty() && !s.equals(".")).toList();
    }
}
