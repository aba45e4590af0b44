package io.agentbox.server.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster for the test JVM: {@code initdb} in a temp dir, started with
 * {@code pg_ctl} on a free loopback port, stopped and deleted when the JVM exits. initdb refuses to
 * run as root, so as root the cluster belongs to the {@code postgres} system user (which the Debian
 * package creates) and is driven through {@code runuser}.
 *
 * <p>{@code AGENTBOX_TEST_PG_URL} (a JDBC URL of a server where the test user may create databases)
 * skips all of this and uses that server instead.
 */
public final class PostgresCluster {
    private static final String USER = "agentbox";
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresCluster shared;

    private final String adminUrl;
    private final String user;
    private final Path dir;

    private PostgresCluster(String adminUrl, String user, Path dir) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.dir = dir;
    }

    public static synchronized PostgresCluster shared() {
        if (shared == null) {
            String external = System.getenv("AGENTBOX_TEST_PG_URL");
            shared = external != null && !external.isBlank() ? new PostgresCluster(external, System.getenv().getOrDefault("AGENTBOX_TEST_PG_USER", "postgres"), null) : start();
        }
        return shared;
    }

    /** A fresh, empty database; returns its JDBC URL (user {@link #user()}, no password). */
    public String newDatabase() {
        String name = "agentbox_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(adminUrl, user, "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database: " + e.getMessage(), e);
        }
        int slash = adminUrl.lastIndexOf('/');
        return adminUrl.substring(0, slash + 1) + name;
    }

    public String user() {
        return user;
    }

    private static PostgresCluster start() {
        Path bin = findBin();
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            Path dir = Files.createTempDirectory("agentbox-pg-");
            Path data = dir.resolve("data");
            if (root) run(List.of("chown", "postgres:postgres", dir.toString()), false);
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "-A", "trust",
                    "-E", "UTF8", "--no-sync", "--no-instructions"), root);
            String options = "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
                    + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("log").toString(),
                    "-o", options, "-w", "-t", "60", "start"), root);
            PostgresCluster cluster = new PostgresCluster("jdbc:postgresql://127.0.0.1:" + port + "/postgres", USER, dir);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> cluster.stop(bin, data, root)));
            return cluster;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start PostgreSQL: " + e.getMessage(), e);
        }
    }

    private void stop(Path bin, Path data, boolean root) {
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"), root);
        } catch (RuntimeException ignored) {
            // Deleting the directory below is what matters; a dead server leaves nothing else.
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at JVM exit
        }
    }

    private static Path findBin() {
        Path base = Path.of("/usr/lib/postgresql");
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparingInt(b -> Integer.parseInt(b.getParent().getFileName().toString().replaceAll("\\D", "0"))))
                    .orElseThrow();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                    + "install the 'postgresql' package, or set AGENTBOX_TEST_PG_URL");
        }
    }

    private static void run(List<String> command, boolean asPostgres) {
        List<String> argv = new ArrayList<>();
        if (asPostgres) argv.addAll(List.of("runuser", "-u", "postgres", "--"));
        argv.addAll(command);
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", argv) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
