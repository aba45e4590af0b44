package io.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The {@code /etc} of the {@code host} template: generated, minimal, and read-only in the sandbox.
 * Users, groups and hosts are our own; from the host only an allowlist of harmless, public files is
 * copied (library and alternatives links, CA certificates, time zone, interpreter site config), so
 * no host secret ({@code shadow}, private keys, credentials) can ever be seen from a sandbox.
 */
final class HostEtc {
    /** Host /etc entries a sandbox may see. Directories are copied recursively; symlinks stay symlinks. */
    static final List<String> ALLOWED = List.of(
            "alternatives", "ssl/certs", "ssl/openssl.cnf", "ca-certificates", "ca-certificates.conf",
            "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "mime.types", "magic",
            "protocols", "services", "gai.conf", "bash.bashrc", "profile", "inputrc", "python3", "python3.11",
            "python3.12", "python3.13", "perl", "gitconfig", "manpath.config", "debian_version", "os-release");

    private static final String PASSWD = """
            root:x:0:0:root:/root:/bin/bash
            user:x:1000:1000:user:/home/user:/bin/bash
            nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
            """;
    private static final String GROUP = """
            root:x:0:
            user:x:1000:
            nogroup:x:65534:
            """;
    private static final String HOSTS = """
            127.0.0.1 localhost agentbox
            ::1 localhost ip6-localhost ip6-loopback
            """;
    private static final String NSSWITCH = """
            passwd: files
            group: files
            shadow: files
            hosts: files dns
            networks: files
            protocols: files
            services: files
            """;

    private HostEtc() {}

    /**
     * Returns the generated directory, creating it when the host's allowed files changed since the
     * last one (the name is a fingerprint of their paths and modification times).
     */
    static Path ensure(Path home) throws IOException {
        Path hostEtc = Path.of("/etc");
        String fingerprint = fingerprint(hostEtc);
        Path dir = home.resolve("host-etc").resolve(fingerprint);
        if (Files.isDirectory(dir)) return dir;
        Files.createDirectories(dir.getParent());
        Path tmp = Files.createTempDirectory(dir.getParent(), ".tmp-");
        // it becomes the sandbox's /etc: readable by the sandbox user, writable by nobody there
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String entry : ALLOWED) {
            Path src = hostEtc.resolve(entry);
            if (Files.exists(src, LinkOption.NOFOLLOW_LINKS)) copy(src, tmp.resolve(entry));
        }
        Files.writeString(tmp.resolve("passwd"), PASSWD);
        Files.writeString(tmp.resolve("group"), GROUP);
        Files.writeString(tmp.resolve("hosts"), HOSTS);
        Files.writeString(tmp.resolve("hostname"), "agentbox\n");
        Files.writeString(tmp.resolve("nsswitch.conf"), NSSWITCH);
        // mount point for the host's resolver config when the sandbox's network is open
        Files.writeString(tmp.resolve("resolv.conf"), "");
        try {
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (!Files.isDirectory(dir)) throw e;
            HostFiles.deleteTree(tmp); // another process won the race; theirs is identical
        }
        return dir;
    }

    private static String fingerprint(Path hostEtc) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String entry : ALLOWED) {
                Path p = hostEtc.resolve(entry);
                md.update(entry.getBytes(StandardCharsets.UTF_8));
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    md.update(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toString().getBytes(StandardCharsets.UTF_8));
                }
            }
            md.update(PASSWD.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException | IOException e) {
            throw new IllegalStateException("cannot fingerprint /etc", e);
        }
    }

    private static void copy(Path src, Path dst) throws IOException {
        Files.createDirectories(dst.getParent());
        Files.walkFileTree(src, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                // Path to Path, never through a String: a name is bytes, and a String holds only
                // what the locale's charset can map (under LANG=C, not "NetLock_Arany_…_Főtanúsítvány.pem")
                Files.createDirectories(dst.resolve(src.relativize(d)));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Path target = dst.resolve(src.relativize(f));
                if (attrs.isSymbolicLink()) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(f));
                } else if (attrs.isRegularFile() && Files.isReadable(f)) {
                    Files.copy(f, target, LinkOption.NOFOLLOW_LINKS);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
