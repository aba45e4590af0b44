package io.agentbox.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.agentbox.server.ConfigException;
import io.agentbox.server.ServerConfig;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The connection pool, schema migrations and transactions. SQLite (WAL) in the data dir unless a
 * PostgreSQL URL is configured; both get the same Flyway migrations.
 *
 * <p>SQLite allows one writer at a time and answers contention with busy-waits that sleep; so this
 * process serializes its own write transactions with a fair lock and SQLite never has to wait.
 * Readers are not serialized (WAL lets them run beside the writer).
 */
public final class Database implements AutoCloseable {
    public enum Kind { SQLITE, POSTGRESQL }

    private final Kind kind;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final ReentrantLock writeLock = new ReentrantLock(true);

    private Database(Kind kind, HikariDataSource dataSource) {
        this.kind = kind;
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
    }

    /** Opens the configured database and brings its schema up to date. */
    public static Database open(ServerConfig config) {
        Database db = config.dbUrl().isPresent() ? postgres(config) : sqlite(config.dataDir());
        try {
            Flyway.configure()
                    .dataSource(db.dataSource)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    private static Database sqlite(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new ConfigException("cannot create data dir " + dataDir + ": " + e.getMessage());
        }
        SQLiteConfig sc = new SQLiteConfig();
        sc.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // NORMAL in WAL mode loses no committed transaction when the process dies, only on power loss.
        sc.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        sc.enforceForeignKeys(true);
        sc.setBusyTimeout(30_000);
        SQLiteDataSource ds = new SQLiteDataSource(sc);
        ds.setUrl("jdbc:sqlite:" + dataDir.resolve("agentbox.db").toAbsolutePath());
        HikariConfig hc = new HikariConfig();
        hc.setDataSource(ds);
        hc.setPoolName("agentbox-sqlite");
        hc.setMaximumPoolSize(8);
        hc.setMinimumIdle(1);
        return new Database(Kind.SQLITE, new HikariDataSource(hc));
    }

    private static Database postgres(ServerConfig config) {
        JdbcTarget target = JdbcTarget.parse(config.dbUrl().orElseThrow());
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(target.url());
        config.dbUser().or(target::user).ifPresent(hc::setUsername);
        config.dbPassword().or(target::password).ifPresent(hc::setPassword);
        hc.setPoolName("agentbox-postgresql");
        hc.setMaximumPoolSize(16);
        hc.setMinimumIdle(2);
        return new Database(Kind.POSTGRESQL, new HikariDataSource(hc));
    }

    public Kind kind() {
        return kind;
    }

    /** A read (or a single-statement write that needs no transaction ordering). */
    public <R> R read(HandleCallback<R, RuntimeException> callback) {
        return jdbi.withHandle(callback);
    }

    /** A write transaction. */
    public <R> R write(HandleCallback<R, RuntimeException> callback) {
        if (kind == Kind.POSTGRESQL) return jdbi.inTransaction(callback);
        writeLock.lock();
        try {
            return jdbi.inTransaction(callback);
        } finally {
            writeLock.unlock();
        }
    }

    public void writeVoid(java.util.function.Consumer<Handle> callback) {
        write(h -> {
            callback.accept(h);
            return null;
        });
    }

    /** True when a trivial query answers. */
    public boolean ping() {
        try {
            return read(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }

    /** A JDBC URL plus credentials that may have been embedded in a {@code postgres://user:pass@host/db} URL. */
    record JdbcTarget(String url, Optional<String> user, Optional<String> password) {
        static JdbcTarget parse(String value) {
            if (value.startsWith("jdbc:postgresql:")) return new JdbcTarget(value, Optional.empty(), Optional.empty());
            if (!value.startsWith("postgres://") && !value.startsWith("postgresql://")) {
                throw new ConfigException("AGENTBOX_DB_URL must be a PostgreSQL URL (jdbc:postgresql://… or postgres://…)");
            }
            URI uri = URI.create(value);
            String host = uri.getHost() == null ? "localhost" : uri.getHost();
            String port = uri.getPort() > 0 ? ":" + uri.getPort() : "";
            String url = "jdbc:postgresql://" + host + port + (uri.getRawPath() == null ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            Optional<String> user = Optional.empty();
            Optional<String> password = Optional.empty();
            if (uri.getRawUserInfo() != null) {
                String[] parts = uri.getRawUserInfo().split(":", 2);
                user = Optional.of(URLDecoder.decode(parts[0], StandardCharsets.UTF_8));
                if (parts.length == 2) password = Optional.of(URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
            }
            return new JdbcTarget(url, user, password);
        }
    }
}
