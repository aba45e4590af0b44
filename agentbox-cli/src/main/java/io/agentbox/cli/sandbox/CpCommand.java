package io.agentbox.cli.sandbox;

import io.agentbox.ErrorCategory;
import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.CliException;
import io.agentbox.cli.Main;
import io.agentbox.sandbox.Files;
import io.agentbox.sandbox.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code agentbox sandbox cp SRC DST}, one side written {@code ID:/path}. As with {@code cp -r}:
 * directories are copied recursively, and a destination that is an existing directory receives
 * the source under its own name.
 */
@Command(name = "cp",
        description = "Copy files or directories between the host and a sandbox (one side ID:/path).")
final class CpCommand implements Callable<Integer> {
    // A sandbox side starts with an id and a colon; write ./name:x for a host file whose name has a colon.
    private static final Pattern SANDBOX_PATH = Pattern.compile("([A-Za-z0-9][A-Za-z0-9_-]*):(.*)", Pattern.DOTALL);

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC", description = "Host path or ID:/path.")
    private String source;

    @Parameters(index = "1", paramLabel = "DST", description = "Host path or ID:/path.")
    private String target;

    record SandboxPath(String id, String path) {
        static Optional<SandboxPath> parse(String arg) {
            Matcher m = SANDBOX_PATH.matcher(arg);
            if (!m.matches()) return Optional.empty();
            return Optional.of(new SandboxPath(m.group(1), m.group(2).isEmpty() ? "." : m.group(2)));
        }
    }

    @Override
    public Integer call() {
        Optional<SandboxPath> from = SandboxPath.parse(source);
        Optional<SandboxPath> to = SandboxPath.parse(target);
        if (from.isPresent() == to.isPresent()) {
            throw new CliException(ErrorCategory.CONFIG,
                    "exactly one of SRC and DST must be a sandbox path written ID:/path (see 'agentbox sandbox cp --help')", Main.EXIT_USAGE);
        }
        if (to.isPresent()) copyIn(Path.of(source), to.get());
        else copyOut(from.get(), Path.of(target));
        return 0;
    }

    private void copyIn(Path hostSource, SandboxPath to) {
        if (!java.nio.file.Files.exists(hostSource, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new CliException(ErrorCategory.CONFIG, "no such file or directory: " + hostSource);
        }
        Sandbox sandbox = AgentboxCommand.cli(spec).sandbox(to.id());
        Files files = sandbox.files();
        String targetPath = to.path();
        boolean intoDirectory = targetPath.endsWith("/") || (files.exists(targetPath) && files.stat(targetPath).isDirectory());
        if (intoDirectory) targetPath = join(targetPath, hostSource.toAbsolutePath().normalize().getFileName().toString());
        files.copyIn(hostSource, targetPath);
    }

    private void copyOut(SandboxPath from, Path hostTarget) {
        Sandbox sandbox = AgentboxCommand.cli(spec).sandbox(from.id());
        Path target = hostTarget;
        if (java.nio.file.Files.isDirectory(hostTarget)) target = hostTarget.resolve(baseName(from.path()));
        sandbox.files().copyOut(from.path(), target);
    }

    private static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    static String baseName(String sandboxPath) {
        String p = sandboxPath.replaceAll("/+$", "");
        String name = p.substring(p.lastIndexOf('/') + 1);
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new CliException(ErrorCategory.CONFIG, "cannot copy '" + sandboxPath + "' into a directory: name the target file or directory", Main.EXIT_USAGE);
        }
        return name;
    }
}
