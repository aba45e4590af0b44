package io.agentbox.sandbox;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PoolTest {
    @RegisterExtension
    static TestSandboxes sandboxes = new TestSandboxes();

    private final List<PooledSandboxProvider> opened = new ArrayList<>();

    @AfterEach
    void closePools() {
        opened.forEach(PooledSandboxProvider::close);
    }

    private PooledSandboxProvider pool(Pool... pools) {
        PooledSandboxProvider p = sandboxes.provider().withPool(pools);
        opened.add(p);
        return p;
    }

    private static void awaitReady(PooledSandboxProvider p, int n) {
        TestSandboxes.await(n + " ready sandboxes in the pool (" + p.pools() + ")", Duration.ofSeconds(30),
                () -> p.pools().getFirst().ready() == n);
    }

    /** Every sandbox directory of the data dir, pooled or not. */
    private static Set<String> stateDirs() throws IOException {
        try (Stream<Path> s = Files.list(sandboxes.home().resolve("sandboxes"))) {
            Set<String> ids = new HashSet<>();
            s.map(d -> d.getFileName().toString()).filter(n -> n.startsWith("sbx_")).forEach(ids::add);
            return ids;
        }
    }

    private static SandboxSpec spec() {
        return SandboxSpec.builder().timeout(Duration.ofMinutes(2)).build();
    }

    @Test
    void aSandboxHandedOutAfterAnotherUsersCarriesNothingOfIt() throws IOException {
        PooledSandboxProvider p = pool(Pool.of("host", 1));
        awaitReady(p, 1);
        Sandbox first = p.create(SandboxSpec.builder().env("FIRST_USER_TOKEN", "t0ken").build());
        first.files().write("/workspace/mine.txt", "first user's file");
        first.files().write("/home/user/.history", "first user's history");
        first.files().write("/tmp/scratch", "first user's scratch");
        first.commands().start(Command.of("sleep", "1000"));
        assertThat(first.commands().run(Command.of("sh", "-c", "echo $FIRST_USER_TOKEN")).stdout()).isEqualTo("t0ken\n");
        String firstId = first.id();
        first.kill();

        awaitReady(p, 1);
        Sandbox second = p.create(spec());
        assertThat(p.pools().getFirst().hits()).isEqualTo(2);
        assertThat(second.id()).isNotEqualTo(firstId).matches("sbx_[a-z0-9]{20}");
        CommandResult look = second.commands().run(Command.of("sh", "-c",
                "ls -A /workspace /tmp; ls -A /home/user | grep -c history; ps -eo args | grep -c '[s]leep 1000'; env | grep -c FIRST_USER"));
        assertThat(look.stdout()).doesNotContain("mine.txt").doesNotContain("scratch");
        assertThat(look.stdout().lines().toList()).endsWith("0", "0", "0");
        assertThat(second.files().exists("/workspace/mine.txt")).isFalse();
    }

    @Test
    void theCallersSpecIsAppliedAtHandOut() throws IOException {
        PooledSandboxProvider p = pool(Pool.of("host", 1));
        awaitReady(p, 1);
        Instant before = Instant.now();
        Sandbox s = p.create(SandboxSpec.builder().timeout(Duration.ofSeconds(75)).env("GREETING", "hello")
                .metadata("team", "pool").memoryMb(200).pids(40).cpus(0.5).workdir("/workspace/app").build());
        assertThat(p.pools().getFirst().hits()).isEqualTo(1);
        SandboxInfo info = s.info();
        assertThat(info.createdAt()).isAfterOrEqualTo(before.minusMillis(1));
        assertThat(info.expiresAt()).isBetween(before.plusSeconds(74), Instant.now().plusSeconds(76));
        assertThat(info.metadata()).containsEntry("team", "pool");
        assertThat(info.resources()).isEqualTo(new Resources(0.5, 200, 40, Resources.DEFAULT.diskMb()));
        assertThat(info.workdir()).isEqualTo("/workspace/app");
        CommandResult r = s.commands().run(Command.of("sh", "-c", "pwd; echo $GREETING"));
        assertThat(r.stdout()).isEqualTo("/workspace/app\nhello\n");
        assertThat(Files.readString(LimitsTest.cgroupFile(s, "pids", "pids.max")).trim()).isEqualTo("40");
        assertThat(Files.readString(LimitsTest.cgroupFile(s, "memory", "memory.limit_in_bytes")).trim())
                .isEqualTo(String.valueOf(200L << 20));
        // found by id and listed like any sandbox, from another provider on the same data dir too
        assertThat(Sandboxes.local(sandboxes.home()).connect(s.id()).commands().run(Command.of("printenv", "GREETING")).stdout())
                .isEqualTo("hello\n");
        assertThat(sandboxes.provider().list(SandboxQuery.ALL)).extracting(SandboxInfo::id).containsExactly(s.id());
    }

    @Test
    void theDeadlineCountsFromHandOutWithTheCallersTimeout() {
        PooledSandboxProvider p = pool(Pool.of("host", 1).idleTimeout(Duration.ofMinutes(5)));
        awaitReady(p, 1);
        long t = System.nanoTime();
        Sandbox s = p.create(SandboxSpec.builder().timeout(Duration.ofSeconds(2)).build());
        assertThat(p.pools().getFirst().hits()).isEqualTo(1);
        String id = s.id();
        TestSandboxes.await("the sandbox to end at its own deadline", Duration.ofSeconds(15),
                () -> sandboxes.provider().list(SandboxQuery.ALL).stream().noneMatch(i -> i.id().equals(id)));
        assertThat(Duration.ofNanos(System.nanoTime() - t)).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
    }

    @Test
    void readySandboxesAreInvisibleUntilHandedOut() throws IOException {
        PooledSandboxProvider p = pool(Pool.of("host", 2));
        awaitReady(p, 2);
        Set<String> pooled = stateDirs();
        assertThat(pooled).hasSize(2);
        assertThat(p.list(SandboxQuery.ALL)).isEmpty();
        for (String id : pooled) {
            assertThatThrownBy(() -> p.connect(id)).isInstanceOf(SandboxNotFoundException.class);
        }
    }

    @Test
    void takenSandboxesAreReplacedAndEveryIdIsNew() {
        PooledSandboxProvider p = pool(Pool.of("host", 2));
        Set<String> ids = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            awaitReady(p, 2);
            try (Sandbox a = p.create(spec()); Sandbox b = p.create(spec())) {
                assertThat(ids.add(a.id())).isTrue();
                assertThat(ids.add(b.id())).isTrue();
            }
        }
        assertThat(p.pools().getFirst().hits()).isEqualTo(6);
    }

    @Test
    void aSpecOfAnotherShapeIsCreatedFreshAndLeavesThePoolAlone() {
        PooledSandboxProvider p = pool(Pool.of("host", 1));
        awaitReady(p, 1);
        try (Sandbox bigDisk = p.create(SandboxSpec.builder().diskMb(64).build());
             Sandbox networked = p.create(SandboxSpec.builder().network(NetworkPolicy.open()).build())) {
            assertThat(bigDisk.info().resources().diskMb()).isEqualTo(64);
            assertThat(networked.info().network()).isEqualTo(NetworkPolicy.open());
        }
        PooledSandboxProvider.Status st = p.pools().getFirst();
        assertThat(st.hits()).isZero();
        assertThat(st.ready()).isEqualTo(1);
    }

    @Test
    void unusedSandboxesAreKilledAfterTheIdleTimeoutAndNotReplaced() throws IOException {
        PooledSandboxProvider p = pool(Pool.of("host", 2).idleTimeout(Duration.ofSeconds(2)));
        awaitReady(p, 2);
        TestSandboxes.await("the idle pool to drain", Duration.ofSeconds(20), () -> p.pools().getFirst().ready() == 0);
        TestSandboxes.await("the drained sandboxes' directories to go", Duration.ofSeconds(10), () -> {
            try {
                return stateDirs().isEmpty();
            } catch (IOException e) {
                return false;
            }
        });
        // the next request is served fresh and wakes the pool up again
        try (Sandbox s = p.create(spec())) {
            assertThat(p.pools().getFirst().misses()).isEqualTo(1);
            awaitReady(p, 2);
        }
    }

    @Test
    void closeKillsEveryReadySandboxButNotTheHandedOutOnes() throws IOException {
        PooledSandboxProvider p = pool(Pool.of("host", 3));
        awaitReady(p, 3);
        Sandbox kept = p.create(spec());
        awaitReady(p, 3);
        assertThat(stateDirs()).hasSize(4);
        p.close();
        assertThat(stateDirs()).containsExactly(kept.id());
        assertThat(kept.commands().run(Command.of("true")).isSuccess()).isTrue();
        // after close the provider still creates, fresh
        try (Sandbox fresh = p.create(spec())) {
            assertThat(stateDirs()).hasSize(2);
        }
    }

    @Test
    void poolFlagsParseAndBadOnesAreRefusedClearly() {
        assertThat(Pool.parse("host=8, python=2")).containsExactly(Pool.of("host", 8), Pool.of("python", 2));
        assertThatThrownBy(() -> Pool.parse("host")).hasMessageContaining("TEMPLATE=N");
        assertThatThrownBy(() -> Pool.parse("host=x")).hasMessageContaining("must be a number");
        assertThatThrownBy(() -> Pool.parse("host=0")).hasMessageContaining("1..256");
        assertThatThrownBy(() -> Pool.parse("host=1,host=2")).hasMessageContaining("twice");
        assertThatThrownBy(() -> sandboxes.provider().withPool(Pool.of("host", 1), Pool.of("host", 2)))
                .hasMessageContaining("same shape");
    }
}
