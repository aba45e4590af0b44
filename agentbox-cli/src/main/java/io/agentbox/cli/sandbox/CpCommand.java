package io.agentbox.cli.sandbox;

import io.agentbox.ErrorCategory;
import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.CliException;
import io.agentbox.cli.Converters;
import io.agentbox.cli.Main;
import io.agentbox.cli.Transfers;
import io.agentbox.sandbox.Filesystem;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.transfer.Download;
import io.agentbox.sandbox.transfer.TransferReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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
 *
 * <p>Both ways are filtered (docs: "Files that cross the boundary"): uploads leave secret files out
 * and refuse a file holding the model key; downloads are capped and leave out files that would run
 * by themselves on the host.
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

    @Option(names = "--upload-all", description = "Upload secret files too (.env, keys, .ssh/, ...), which are left out by default.")
    private boolean uploadAll;

    @Option(names = "--download-all", description = "Download files that can run code on this host too (.git/hooks, .git/config, .envrc, shell rc files, .vscode/, .idea/).")
    private boolean downloadAll;

    @Option(names = "--max-download-bytes", paramLabel = "SIZE", converter = Converters.SizeBytesConverter.class,
            description = "Stop a download after this many bytes (default: 1g; 0: no limit).")
    private long maxDownloadBytes = Download.DEFAULT_MAX_BYTES;

    @Option(names = "--max-download-files", paramLabel = "N",
            description = "Stop a download after this many files and directories (default: 10000; 0: no limit).")
    private long maxDownloadFiles = Download.DEFAULT_MAX_FILES;

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
        if (to.isPresent()) {
            copyIn(Path.of(source), to.get());
            return 0;
        }
        return copyOut(from.get(), Path.of(target)).complete() ? 0 : Main.EXIT_FAILURE;
    }

    private void copyIn(Path hostSource, SandboxPath to) {
        if (!java.nio.file.Files.exists(hostSource, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new CliException(ErrorCategory.CONFIG, "no such file or directory: " + hostSource);
        }
        Sandbox sandbox = AgentboxCommand.cli(spec).sandbox(to.id());
        Filesystem files = sandbox.files();
        String targetPath = to.path();
        boolean intoDirectory = targetPath.endsWith("/") || (files.exists(targetPath) && files.stat(targetPath).isDirectory());
        if (intoDirectory) targetPath = join(targetPath, hostSource.toAbsolutePath().normalize().getFileName().toString());
        Transfers.upload(hostSource, files, targetPath, uploadAll, spec.commandLine().getErr());
    }

    private TransferReport copyOut(SandboxPath from, Path hostTarget) {
        if (maxDownloadBytes < 0 || maxDownloadFiles < 0) {
            throw new CliException(ErrorCategory.CONFIG, "--max-download-bytes and --max-download-files must not be negative", Main.EXIT_USAGE);
        }
        Sandbox sandbox = AgentboxCommand.cli(spec).sandbox(from.id());
        Path target = hostTarget;
        if (java.nio.file.Files.isDirectory(hostTarget)) target = hostTarget.resolve(baseName(from.path()));
        Download download = Download.builder().maxBytes(maxDownloadBytes).maxFiles(maxDownloadFiles).includeAll(downloadAll).build();
        return Transfers.download(sandbox.files(), from.path(), target, download, downloadAll, spec.commandLine().getErr());
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
