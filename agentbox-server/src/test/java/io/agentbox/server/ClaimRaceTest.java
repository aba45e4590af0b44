package io.agentbox.server;

import io.agentbox.server.model.Run;
import io.agentbox.server.store.Database;
import io.agentbox.server.store.JdbiRunStore;
import io.agentbox.server.store.JdbiTenancyStore;
import io.agentbox.server.store.RunStore;
import io.agentbox.server.store.RunUpdate;
import io.agentbox.server.support.PostgresCluster;
import io.agentbox.server.support.TestFiles;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three nodes' stores (each its own connection pool and writer) claiming one workspace's queued runs at
 * the same instant: the workspace quota is what gets claimed, not one claim per node too many.
 */
class ClaimRaceTest {
    @Test
    void concurrentClaimsFromSeveralNodesNeverExceedTheWorkspaceQuota() throws Exception {
        PostgresCluster pg = PostgresCluster.shared();
        String url = pg.newDatabase();
        Path dir = Files.createTempDirectory("agentbox-claims-");
        List<Database> dbs = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                dbs.add(Database.open(ServerConfig.builder().dataDir(dir.resolve("n" + i)).dbUrl(url).dbUser(pg.user()).nodeId("n" + i).build()));
            }
            Instant now = Instant.now();
            String ws = new JdbiTenancyStore(dbs.get(0)).ensureDefaultTenant(now).workspaceId();
            for (int round = 0; round < 5; round++) {
                List<String> ids = new ArrayList<>();
                RunStore first = new JdbiRunStore(dbs.get(0));
                for (int i = 0; i < 12; i++) {
                    String id = "run_race" + round + "x" + i;
                    first.insert(Run.queued(id, ws, Optional.empty(), "test", "p", Optional.empty(), "host", "{}", now.plusMillis(i)));
                    ids.add(id);
                }
                CountDownLatch go = new CountDownLatch(1);
                int applied = 0;
                try (ExecutorService pool = Executors.newFixedThreadPool(12)) {
                    List<Future<Boolean>> claims = new ArrayList<>();
                    for (int i = 0; i < ids.size(); i++) {
                        RunStore store = new JdbiRunStore(dbs.get(i % 3));
                        String id = ids.get(i);
                        String node = "n" + (i % 3);
                        claims.add(pool.submit(() -> {
                            go.await();
                            return store.claim(id, ws, 3, RunUpdate.builder().nodeId(node).startedAt(Instant.now()).build(), Instant.now()).applied();
                        }));
                    }
                    go.countDown();
                    for (Future<Boolean> c : claims) if (c.get()) applied++;
                }
                assertThat(applied).as("claims applied in round " + round).isEqualTo(3);
                assertThat(first.activeByWorkspace().get(ws)).isEqualTo(3);
                // end this round's claimed runs so that the next round starts from zero in flight
                for (String id : ids) {
                    first.transition(id, io.agentbox.agent.RunStatus.BOOTING, io.agentbox.agent.RunStatus.FAILED,
                            RunUpdate.builder().finishedAt(Instant.now()).build(), Optional.empty(), Instant.now());
                    first.transition(id, io.agentbox.agent.RunStatus.QUEUED, io.agentbox.agent.RunStatus.CANCELED,
                            RunUpdate.builder().finishedAt(Instant.now()).build(), Optional.empty(), Instant.now());
                }
            }
        } finally {
            dbs.forEach(Database::close);
            TestFiles.deleteRecursively(dir);
        }
    }
}
