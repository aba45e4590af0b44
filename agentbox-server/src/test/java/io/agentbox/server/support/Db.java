package io.agentbox.server.support;

import io.agentbox.server.ServerConfig;

import java.nio.file.Path;

/** The databases every server test runs against. */
public enum Db {
    SQLITE, POSTGRESQL;

    /** Points a config at a fresh, empty database of this kind. */
    public ServerConfig.Builder configure(ServerConfig.Builder b, Path dataDir) {
        b.dataDir(dataDir);
        if (this == POSTGRESQL) {
            PostgresCluster pg = PostgresCluster.shared();
            b.dbUrl(pg.newDatabase()).dbUser(pg.user());
        }
        return b;
    }
}
