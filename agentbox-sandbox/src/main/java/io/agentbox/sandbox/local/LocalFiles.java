package io.agentbox.sandbox.local;

import com.fasterxml.jackson.core.type.TypeReference;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.FileInfo;
import io.agentbox.sandbox.Filesystem;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxFileException;
import io.agentbox.sandbox.SandboxFileException.Reason;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * File operations, executed by the sandbox's init inside the sandbox as the sandbox user: paths
 * resolve in the sandbox's own root, so no symlink can lead to a host file, and /proc magic links
 * (the one way out of a root) are refused.
 */
final class LocalFiles implements Filesystem {
    private final LocalSandbox sandbox;

    LocalFiles(LocalSandbox sandbox) {
        this.sandbox = sandbox;
    }

    private String abs(String path) {
        return SandboxPaths.resolve(sandbox.state().workdir(), path);
    }

    private ControlConnection request(char op, String path, String second) {
        ControlConnection c = sandbox.connect();
        ControlConnection.Fields f = new ControlConnection.Fields().add('P', path);
        if (second != null) f.add('Q', second);
        c.send(op, f.bytes());
        return c;
    }

    private ControlConnection.Frame reply(ControlConnection c, char expected, String path) {
        ControlConnection.Frame f = c.receive();
        if (f.type() == 'E') throw error(f.text(), path);
        if (f.type() != expected) throw new SandboxException("protocol error: unexpected frame '" + f.type() + "'");
        return f;
    }

    /** Maps init's "ERRNAME message" to a typed exception. */
    static SandboxFileException error(String text, String path) {
        int sp = text.indexOf(' ');
        String code = sp > 0 ? text.substring(0, sp) : text;
        String msg = sp > 0 ? text.substring(sp + 1) : text;
        Reason reason = switch (code) {
            case "ENOENT" -> Reason.NOT_FOUND;
            case "ENOTDIR" -> Reason.NOT_A_DIRECTORY;
            case "EISDIR" -> Reason.IS_A_DIRECTORY;
            case "EEXIST", "ENOTEMPTY" -> Reason.ALREADY_EXISTS;
            case "EACCES", "EPERM", "EROFS" -> Reason.PERMISSION_DENIED;
            case "ENOSPC", "EDQUOT" -> Reason.NO_SPACE;
            case "EFBIG" -> Reason.TOO_LARGE;
            case "EREFUSED", "ELOOP", "EXDEV" -> Reason.REFUSED;
            default -> Reason.OTHER;
        };
        if (code.equals("ELOOP")) msg += " (symlink loop, or a link through /proc that would leave the sandbox)";
        if (code.equals("EROFS")) msg += " (only /workspace, /home/user, /tmp and /root are writable)";
        return new SandboxFileException(reason, path, msg);
    }

    @Override
    public byte[] read(String path) {
        try (InputStream in = openRead(path)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new SandboxException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream openRead(String path) {
        String p = abs(path);
        ControlConnection c = request('R', p, null);
        try {
            reply(c, 's', p);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return new InputStream() {
            private byte[] chunk = new byte[0];
            private int pos;
            private boolean done;

            private boolean fill() {
                while (!done && pos >= chunk.length) {
                    ControlConnection.Frame f = c.receive();
                    switch (f.type()) {
                        case 'd' -> {
                            chunk = f.payload();
                            pos = 0;
                        }
                        case 'z' -> {
                            done = true;
                            c.close();
                        }
                        case 'E' -> {
                            done = true;
                            c.close();
                            throw error(f.text(), p);
                        }
                        default -> throw new SandboxException("protocol error: unexpected frame '" + f.type() + "'");
                    }
                }
                return pos < chunk.length;
            }

            @Override
            public int read() {
                return fill() ? chunk[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (len == 0) return 0;
                if (!fill()) return -1;
                int n = Math.min(len, chunk.length - pos);
                System.arraycopy(chunk, pos, b, off, n);
                pos += n;
                return n;
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }

    @Override
    public void write(String path, byte[] content) {
        write(path, new ByteArrayInputStream(content));
    }

    @Override
    public void write(String path, InputStream content) {
        writeWithMode(abs(path), content, Optional.empty());
    }

    private void writeWithMode(String p, InputStream content, Optional<Integer> mode) {
        try (ControlConnection c = sandbox.connect()) {
            ControlConnection.Fields f = new ControlConnection.Fields().add('P', p).add('m', "1");
            mode.ifPresent(m -> f.add('o', Integer.toOctalString(m)));
            c.send('W', f.bytes());
            reply(c, 's', p);
            byte[] buf = new byte[65536];
            int n;
            while ((n = content.read(buf)) > 0) c.send('d', buf, 0, n);
            c.send('z');
            reply(c, 'z', p);
        } catch (IOException e) {
            throw new SandboxException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    private record Entry(String path, String type, long size, int mode, long mtimeMs, String target) {
        FileInfo info() {
            String name = path.equals("/") ? "/" : path.substring(path.lastIndexOf('/') + 1);
            FileInfo.Type t = switch (type) {
                case "file" -> FileInfo.Type.FILE;
                case "directory" -> FileInfo.Type.DIRECTORY;
                case "symlink" -> FileInfo.Type.SYMLINK;
                default -> FileInfo.Type.OTHER;
            };
            return new FileInfo(path, name, t, size, mode, Instant.ofEpochMilli(mtimeMs), Optional.ofNullable(target));
        }
    }

    @Override
    public List<FileInfo> list(String path) {
        String p = abs(path);
        try (ControlConnection c = request('D', p, null)) {
            List<Entry> entries = SandboxState.JSON.readValue(reply(c, 'j', p).payload(), new TypeReference<>() {});
            return entries.stream().map(Entry::info).sorted(Comparator.comparing(FileInfo::name)).toList();
        } catch (IOException e) {
            throw new SandboxException("cannot list " + p + ": " + e.getMessage(), e);
        }
    }

    @Override
    public FileInfo stat(String path) {
        String p = abs(path);
        try (ControlConnection c = request('S', p, null)) {
            return SandboxState.JSON.readValue(reply(c, 'j', p).payload(), Entry.class).info();
        } catch (IOException e) {
            throw new SandboxException("cannot stat " + p + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean exists(String path) {
        try {
            stat(path);
            return true;
        } catch (SandboxFileException e) {
            if (e.reason() == Reason.NOT_FOUND || e.reason() == Reason.NOT_A_DIRECTORY) return false;
            throw e;
        }
    }

    @Override
    public void mkdir(String path) {
        String p = abs(path);
        try (ControlConnection c = request('M', p, null)) {
            reply(c, 'z', p);
        }
    }

    @Override
    public void move(String from, String to) {
        String a = abs(from);
        String b = abs(to);
        try (ControlConnection c = request('V', a, b)) {
            reply(c, 'z', a);
        } catch (SandboxFileException e) {
            if (!e.getMessage().contains("cross-device")) throw e;
            // /workspace, /tmp and the homes are separate mounts: across them a rename becomes copy + delete
            CommandResult r = sandbox.commands().run(Command.of("mv", "-f", "--", a, b));
            if (!r.isSuccess()) throw new SandboxFileException(Reason.OTHER, a, "cannot move " + a + " to " + b + ": " + r.stderr().trim());
        }
    }

    @Override
    public void remove(String path) {
        String p = abs(path);
        try (ControlConnection c = request('U', p, null)) {
            reply(c, 'z', p);
        }
    }

    private void symlink(String target, String at) {
        try (ControlConnection c = request('Y', at, target)) {
            reply(c, 'z', at);
        }
    }

    @Override
    public void copyIn(Path hostSource, String sandboxTarget) {
        String root = abs(sandboxTarget);
        try {
            BasicFileAttributes top = java.nio.file.Files.readAttributes(hostSource, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!top.isDirectory()) {
                copyFileIn(hostSource, top, root);
                return;
            }
            java.nio.file.Files.walkFileTree(hostSource, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    mkdir(join(root, hostSource.relativize(dir)));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    copyFileIn(file, attrs, join(root, hostSource.relativize(file)));
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new SandboxException("cannot copy " + hostSource + " into the sandbox: " + e.getMessage(), e);
        }
    }

    private void copyFileIn(Path file, BasicFileAttributes attrs, String target) throws IOException {
        if (attrs.isSymbolicLink()) {
            // the link itself, never what it points to on the host
            remove(target);
            symlink(java.nio.file.Files.readSymbolicLink(file).toString(), target);
        } else if (attrs.isRegularFile()) {
            boolean exec = java.nio.file.Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS).contains(PosixFilePermission.OWNER_EXECUTE);
            try (InputStream in = java.nio.file.Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                writeWithMode(target, in, Optional.of(exec ? 0755 : 0644));
            }
        }
    }

    private static String join(String root, Path relative) {
        String rel = relative.toString();
        return rel.isEmpty() ? root : (root.equals("/") ? "" : root) + "/" + rel;
    }

    @Override
    public void copyOut(String sandboxSource, Path hostTarget) {
        String src = abs(sandboxSource);
        FileInfo top = stat(src);
        try {
            if (top.type() == FileInfo.Type.FILE) {
                if (hostTarget.getParent() != null) java.nio.file.Files.createDirectories(hostTarget.getParent());
                copyFileOut(src, hostTarget);
            } else if (top.isDirectory()) {
                copyDirOut(src, hostTarget);
            } else {
                throw new SandboxFileException(Reason.REFUSED, src, "not copied: " + src + " is a " + top.type().name().toLowerCase() + " (only files and directories are copied out)");
            }
        } catch (IOException e) {
            throw new SandboxException("cannot copy " + src + " out to " + hostTarget + ": " + e.getMessage(), e);
        }
    }

    private void copyDirOut(String src, Path target) throws IOException {
        java.nio.file.Files.createDirectories(target);
        if (java.nio.file.Files.isSymbolicLink(target)) throw new IOException(target + " is a symlink; refusing to write through it");
        for (FileInfo e : list(src)) {
            // names come from readdir: never '/', '.' or '..', so the join stays under target
            Path dst = target.resolve(e.name());
            switch (e.type()) {
                case FILE -> copyFileOut(e.path(), dst);
                case DIRECTORY -> copyDirOut(e.path(), dst);
                default -> { } // symlinks and devices stay in the sandbox: following them is the sandbox's choice, not ours
            }
        }
    }

    private void copyFileOut(String src, Path dst) throws IOException {
        // NOFOLLOW_LINKS: a host symlink already at dst must not redirect the write elsewhere
        try (InputStream in = openRead(src);
             OutputStream out = java.nio.file.Files.newOutputStream(dst, StandardOpenOption.CREATE,
                     StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            in.transferTo(out);
        }
    }
}
