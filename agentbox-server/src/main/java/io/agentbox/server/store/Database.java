package io.agentbox.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.agentbox.ConfigException;
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
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The connection pool, schema migrations and transactions. SQLite (WAL) in the data dir unless a
 * PostgreSQL URL is configured; both get the same Flyway migrations.
 *
 * <p>Writes that must be ordered with each other go through one platform thread with group commit
 * ({@link GroupCommit}): on SQLite every write (SQLite allows one writer at a time and answers contention
 * with busy-waits that sleep), on PostgreSQL the writes of runs (status changes and the event log).
 * A lock would do that job worse: its holder is often a virtual thread, and when the cores are busy the
 * holder waits for a carrier while everyone else waits for it. Readers are never serialized (SQLite's
 * WAL lets them run beside the writer); other PostgreSQL writes run on their callers' threads.
 */
public final class Database implements AutoCloseable {
    public enum Kind { SQLITE, POSTGRESQL }

    private final Kind kind;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final GroupCommit writer;

    private Database(Kind kind, HikariDataSource dataSource) {
        this.kind = kind;
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
        this.writer = new GroupCommit(jdbi, "agentbox-db-writer");
    }

    /**
     * Work a group's writes leave in their shared scratch space to be done once, after all of them and
     * before the commit (e.g. one batched insert instead of one insert each).
     */
    @FunctionalInterface
    public interface BeforeCommit {
        void run();
    }

    /**
     * Present in a grouped write's scratch space when it runs again, alone, because its group failed:
     * a write that trusted something remembered from earlier transactions should look again.
     */
    public static final String RETRY = "agentbox.retry";

    /** A write that {@link #writeGrouped} may run in one transaction with others. */
    @FunctionalInterface
    public interface GroupedWrite<R> {
        /** @param shared scratch space of the transaction, for values the writes of one group share (e.g. next sequence numbers) */
        R apply(Handle h, Map<String, Object> shared);
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
        if (kind == Kind.POSTGRESQL || writer.isWriterThread()) return jdbi.inTransaction(callback);
        return ordered(callback);
    }

    /** A write transaction of a run: ordered with the run's other writes and its event appends on this node. */
    public <R> R writeOrdered(HandleCallback<R, RuntimeException> callback) {
        if (writer.isWriterThread()) return jdbi.inTransaction(callback);
        return ordered(callback);
    }

    private <R> R ordered(HandleCallback<R, RuntimeException> callback) {
        return writer.write((h, shared) -> callback.withHandle(h), r -> { });
    }

    /**
     * A write that joins the next group commit, ordered with the other ordered writes; once it is
     * committed, {@code afterCommit} runs on the writer thread with its result, then the caller returns.
     */
    public <R> R writeGrouped(GroupedWrite<R> work, Consumer<R> afterCommit) {
        return writer.write(work, afterCommit);
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
        writer.close();
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
