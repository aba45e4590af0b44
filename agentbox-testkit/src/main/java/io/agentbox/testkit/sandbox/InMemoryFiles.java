package io.agentbox.testkit.sandbox;

import io.agentbox.sandbox.FileInfo;
import io.agentbox.sandbox.Filesystem;
import io.agentbox.sandbox.SandboxFileException;
import io.agentbox.sandbox.SandboxFileException.Reason;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A sandbox filesystem held in a sorted map of absolute paths; directories are entries without content. */
final class InMemoryFiles implements Filesystem {
    private record Node(Optional<byte[]> content, Instant modifiedAt) {
        boolean isDirectory() {
            return content.isEmpty();
        }
    }

    private final String workdir;
    private final Clock clock;
    private final Runnable requireLive;
    private final TreeMap<String, Node> nodes = new TreeMap<>();

    InMemoryFiles(String workdir, Clock clock, Runnable requireLive) {
        this.workdir = workdir;
        this.clock = clock;
        this.requireLive = requireLive;
        for (String dir : List.of("/", "/tmp", "/home", "/home/user", "/root", workdir)) mkdirs(dir);
    }

    @Override
    public synchronized byte[] read(String path) {
        String p = resolve(path);
        Node n = nodes.get(p);
        if (n == null) throw new SandboxFileException(Reason.NOT_FOUND, p, "no such file: " + p);
        if (n.isDirectory()) throw new SandboxFileException(Reason.IS_A_DIRECTORY, p, "is a directory: " + p);
        return n.content().get().clone();
    }

    @Override
    public InputStream openRead(String path) {
        return new ByteArrayInputStream(read(path));
    }

    @Override
    public synchronized void write(String path, byte[] content) {
        String p = resolve(path);
        Node existing = nodes.get(p);
        if (existing != null && existing.isDirectory()) throw new SandboxFileException(Reason.IS_A_DIRECTORY, p, "is a directory: " + p);
        mkdirs(parent(p));
        nodes.put(p, new Node(Optional.of(content.clone()), clock.instant()));
    }

    @Override
    public void write(String path, InputStream content) {
        try (content) {
            write(path, content.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized List<FileInfo> list(String path) {
        String p = resolve(path);
        requireDirectory(p);
        String prefix = p.equals("/") ? "/" : p + "/";
        List<FileInfo> out = new ArrayList<>();
        for (Map.Entry<String, Node> e : nodes.tailMap(prefix, false).entrySet()) {
            if (!e.getKey().startsWith(prefix)) break;
            if (e.getKey().indexOf('/', prefix.length()) < 0) out.add(info(e.getKey(), e.getValue()));
        }
        return out;
    }

    @Override
    public synchronized FileInfo stat(String path) {
        String p = resolve(path);
        Node n = nodes.get(p);
        if (n == null) throw new SandboxFileException(Reason.NOT_FOUND, p, "no such file or directory: " + p);
        return info(p, n);
    }

    @Override
    public synchronized boolean exists(String path) {
        return nodes.containsKey(resolve(path));
    }

    @Override
    public synchronized void mkdir(String path) {
        mkdirs(resolve(path));
    }

    @Override
    public synchronized void move(String from, String to) {
        String src = resolve(from);
        String dst = resolve(to);
        if (!nodes.containsKey(src)) throw new SandboxFileException(Reason.NOT_FOUND, src, "no such file or directory: " + src);
        if (dst.equals(src) || dst.startsWith(src + "/")) throw new SandboxFileException(Reason.REFUSED, dst, "cannot move a directory into itself: " + dst);
        mkdirs(parent(dst));
        for (String key : subtree(src)) nodes.put(dst + key.substring(src.length()), nodes.remove(key));
    }

    @Override
    public synchronized void remove(String path) {
        String p = resolve(path);
        if (p.equals("/")) throw new SandboxFileException(Reason.REFUSED, p, "refusing to remove /");
        subtree(p).forEach(nodes::remove);
    }

    @Override
    public void copyIn(Path hostSource, String sandboxTarget) {
        String target = resolve(sandboxTarget);
        try (Stream<Path> walk = java.nio.file.Files.walk(hostSource)) {
            for (Path source : walk.toList()) {
                if (java.nio.file.Files.isSymbolicLink(source)) continue;
                String rel = hostSource.relativize(source).toString();
                String dest = rel.isEmpty() ? target : target + "/" + rel;
                if (java.nio.file.Files.isDirectory(source)) mkdir(dest);
                else if (java.nio.file.Files.isRegularFile(source)) write(dest, java.nio.file.Files.readAllBytes(source));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void copyOut(String sandboxSource, Path hostTarget) {
        String src = resolve(sandboxSource);
        List<String> keys;
        synchronized (this) {
            keys = subtree(src);
        }
        if (keys.isEmpty()) throw new SandboxFileException(Reason.NOT_FOUND, src, "no such file or directory: " + src);
        try {
            for (String key : keys) {
                Path dest = key.equals(src) ? hostTarget : hostTarget.resolve(key.substring(src.length() + 1));
                Node n;
                synchronized (this) {
                    n = nodes.get(key);
                }
                if (n.isDirectory()) java.nio.file.Files.createDirectories(dest);
                else {
                    java.nio.file.Files.createDirectories(dest.toAbsolutePath().getParent());
                    java.nio.file.Files.write(dest, n.content().get());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> subtree(String p) {
        List<String> out = new ArrayList<>();
        if (nodes.containsKey(p)) out.add(p);
        String prefix = p.equals("/") ? "/" : p + "/";
        for (String key : nodes.tailMap(prefix, false).keySet()) {
            if (!key.startsWith(prefix)) break;
            out.add(key);
        }
        return out;
    }

    private void mkdirs(String p) {
        if (!p.equals("/")) mkdirs(parent(p));
        Node n = nodes.get(p);
        if (n == null) nodes.put(p, new Node(Optional.empty(), clock.instant()));
        else if (!n.isDirectory()) throw new SandboxFileException(Reason.NOT_A_DIRECTORY, p, "not a directory: " + p);
    }

    private void requireDirectory(String p) {
        Node n = nodes.get(p);
        if (n == null) throw new SandboxFileException(Reason.NOT_FOUND, p, "no such directory: " + p);
        if (!n.isDirectory()) throw new SandboxFileException(Reason.NOT_A_DIRECTORY, p, "not a directory: " + p);
    }

    private FileInfo info(String p, Node n) {
        String name = p.equals("/") ? "/" : p.substring(p.lastIndexOf('/') + 1);
        return new FileInfo(p, name, n.isDirectory() ? FileInfo.Type.DIRECTORY : FileInfo.Type.FILE,
                n.content().map(c -> (long) c.length).orElse(4096L), n.isDirectory() ? 0755 : 0644, n.modifiedAt(), Optional.empty());
    }

    /** Absolute, normalized; {@code ..} is refused as in a real sandbox. */
    private String resolve(String path) {
        requireLive.run();
        if (path == null || path.isEmpty()) throw new SandboxFileException(Reason.REFUSED, String.valueOf(path), "empty path");
        String abs = path.startsWith("/") ? path : workdir + "/" + path;
        StringBuilder out = new StringBuilder();
        for (String part : abs.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) throw new SandboxFileException(Reason.REFUSED, path, "'..' is not allowed in sandbox paths: " + path);
            out.append('/').append(part);
        }
        return out.isEmpty() ? "/" : out.toString();
    }

    private static String parent(String p) {
        int slash = p.lastIndexOf('/');
        return slash <= 0 ? "/" : p.substring(0, slash);
    }
}
