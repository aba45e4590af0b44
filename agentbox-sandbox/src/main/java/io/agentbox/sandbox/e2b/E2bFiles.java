package io.agentbox.sandbox.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.FileInfo;
import io.agentbox.sandbox.Filesystem;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxFileException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** {@code filesystem.Filesystem} and {@code /files} of envd, as the sandbox user. */
final class E2bFiles implements Filesystem {
    private final E2bClient client;
    private final E2bClient.Envd envd;
    private final E2bCommands commands;
    private final String workdir;

    E2bFiles(E2bClient client, E2bClient.Envd envd, E2bCommands commands, String workdir) {
        this.client = client;
        this.envd = envd;
        this.commands = commands;
        this.workdir = workdir;
    }

    private String p(String path) {
        if (path.indexOf('\0') >= 0) throw new SandboxFileException(SandboxFileException.Reason.REFUSED, path, "a path must not contain NUL");
        for (String part : path.split("/")) {
            if (part.equals("..")) throw new SandboxFileException(SandboxFileException.Reason.REFUSED, path, "'..' is not allowed in sandbox paths: " + path);
        }
        return E2bSandbox.resolve(path, Command.USER, workdir);
    }

    private JsonNode rpc(String method, ObjectNode req, String path) {
        return client.unary(envd, "filesystem.Filesystem/" + method, req, Optional.empty(), Optional.of(path));
    }

    @Override
    public byte[] read(String path) {
        try (InputStream in = openRead(path)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new SandboxException("reading " + path + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream openRead(String path) {
        String abs = p(path);
        FileInfo info = stat(abs);
        if (info.isDirectory()) throw new SandboxFileException(SandboxFileException.Reason.IS_A_DIRECTORY, abs, abs + " is a directory");
        return client.download(envd, abs, Optional.empty());
    }

    @Override
    public void write(String path, byte[] content) {
        client.upload(envd, p(path), Optional.empty(), HttpRequest.BodyPublishers.ofByteArray(content));
    }

    @Override
    public void write(String path, InputStream content) {
        client.upload(envd, p(path), Optional.empty(), HttpRequest.BodyPublishers.ofInputStream(() -> content));
    }

    @Override
    public List<FileInfo> list(String path) {
        String abs = p(path);
        JsonNode r = rpc("ListDir", E2bClient.object().put("path", abs).put("depth", 1), abs);
        List<FileInfo> out = new ArrayList<>();
        r.path("entries").forEach(e -> out.add(info(e)));
        out.sort(Comparator.comparing(FileInfo::name));
        return out;
    }

    @Override
    public FileInfo stat(String path) {
        String abs = p(path);
        return info(rpc("Stat", E2bClient.object().put("path", abs), abs).path("entry"));
    }

    @Override
    public boolean exists(String path) {
        try {
            stat(path);
            return true;
        } catch (SandboxFileException e) {
            if (e.reason() == SandboxFileException.Reason.NOT_FOUND) return false;
            throw e;
        }
    }

    @Override
    public void mkdir(String path) {
        String abs = p(path);
        try {
            rpc("MakeDir", E2bClient.object().put("path", abs), abs);
        } catch (SandboxFileException e) {
            if (e.reason() != SandboxFileException.Reason.ALREADY_EXISTS) throw e;
            if (!stat(abs).isDirectory()) throw new SandboxFileException(SandboxFileException.Reason.ALREADY_EXISTS, abs, abs + " exists and is not a directory");
        }
    }

    @Override
    public void move(String from, String to) {
        String a = p(from);
        rpc("Move", E2bClient.object().put("source", a).put("destination", p(to)), a);
    }

    @Override
    public void remove(String path) {
        String abs = p(path);
        try {
            rpc("Remove", E2bClient.object().put("path", abs), abs);
        } catch (SandboxFileException e) {
            if (e.reason() != SandboxFileException.Reason.NOT_FOUND) throw e;
        }
    }

    @Override
    public void copyIn(Path hostSource, String sandboxTarget) {
        String target = p(sandboxTarget);
        try {
            if (!java.nio.file.Files.isDirectory(hostSource, LinkOption.NOFOLLOW_LINKS)) {
                copyInOne(hostSource, target);
                return;
            }
            mkdir(target);
            try (Stream<Path> walk = java.nio.file.Files.walk(hostSource)) {
                for (Path f : (Iterable<Path>) walk.sorted()::iterator) {
                    if (f.equals(hostSource)) continue;
                    copyInOne(f, target + "/" + hostSource.relativize(f).toString().replace('\\', '/'));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("copying " + hostSource + " into the sandbox failed", e);
        }
    }

    private void copyInOne(Path f, String target) throws IOException {
        if (java.nio.file.Files.isSymbolicLink(f)) {
            // a host symlink is copied as a link, never followed: its target is a path inside the sandbox
            CommandResult r = commands.run(Command.of("ln", "-sfn", java.nio.file.Files.readSymbolicLink(f).toString(), target));
            if (!r.isSuccess()) throw new SandboxFileException(SandboxFileException.Reason.OTHER, target, "could not create the symlink: " + r.stderr().trim());
        } else if (java.nio.file.Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
            mkdir(target);
        } else if (java.nio.file.Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
            try (InputStream in = java.nio.file.Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
                write(target, in);
            }
        }
    }

    @Override
    public void copyOut(String sandboxSource, Path hostTarget) {
        String src = p(sandboxSource);
        FileInfo root = stat(src);
        try {
            if (root.type() == FileInfo.Type.SYMLINK) return;
            if (!root.isDirectory()) {
                writeHost(src, hostTarget);
                return;
            }
            mkdirHost(hostTarget);
            for (FileInfo f : list(src)) {
                Path dest = hostTarget.resolve(f.name());
                switch (f.type()) {
                    case DIRECTORY -> copyOut(f.path(), dest);
                    case FILE -> writeHost(f.path(), dest);
                    default -> { } // sandbox symlinks and special files are skipped
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("copying " + sandboxSource + " out of the sandbox failed", e);
        }
    }

    private static void mkdirHost(Path dir) throws IOException {
        if (java.nio.file.Files.isSymbolicLink(dir)) throw new IOException("refusing to write through the host symlink " + dir);
        java.nio.file.Files.createDirectories(dir);
    }

    private void writeHost(String src, Path dest) throws IOException {
        // never write through a host symlink: the sandbox chose the names, not the target
        if (java.nio.file.Files.isSymbolicLink(dest)) throw new IOException("refusing to write through the host symlink " + dest);
        try (InputStream in = client.download(envd, src, Optional.empty())) {
            java.nio.file.Files.copy(in, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static FileInfo info(JsonNode e) {
        FileInfo.Type type = switch (e.path("type").asText("")) {
            case "FILE_TYPE_DIRECTORY", "2" -> FileInfo.Type.DIRECTORY;
            case "FILE_TYPE_SYMLINK", "3" -> FileInfo.Type.SYMLINK;
            case "FILE_TYPE_FILE", "1" -> FileInfo.Type.FILE;
            default -> FileInfo.Type.OTHER;
        };
        Instant modified;
        try {
            modified = Instant.parse(e.path("modifiedTime").asText());
        } catch (RuntimeException ex) {
            modified = Instant.EPOCH;
        }
        return new FileInfo(e.path("path").asText(), e.path("name").asText(), type, e.path("size").asLong(0),
                e.path("mode").asInt(0) & 07777, modified,
                Optional.ofNullable(e.get("symlinkTarget")).filter(JsonNode::isTextual).map(JsonNode::asText).filter(s -> !s.isEmpty()));
    }
}
