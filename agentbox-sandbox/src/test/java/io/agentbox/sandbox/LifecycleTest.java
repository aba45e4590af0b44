package io.agentbox.sandbox;

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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LifecycleTest {
    @RegisterExtension
    static TestSandboxes sandboxes = new TestSandboxes();

    @Test
    void createReportsSpecAndDeadline() {
        Instant before = Instant.now();
        Sandbox s = sandboxes.create(SandboxSpec.builder().timeout(Duration.ofSeconds(90)).metadata("owner", "lifecycle")
                .memoryMb(300).cpus(0.5).pids(64).diskMb(50).build());
        SandboxInfo info = s.info();
        assertThat(info.id()).matches("sbx_[a-z0-9]{20}");
        assertThat(info.template()).isEqualTo("host");
        assertThat(info.metadata()).containsEntry("owner", "lifecycle");
        assertThat(info.resources()).isEqualTo(new Resources(0.5, 300, 64, 50));
        assertThat(info.network()).isEqualTo(NetworkPolicy.none());
        assertThat(info.workdir()).isEqualTo("/workspace");
        assertThat(info.expiresAt()).isBetween(before.plusSeconds(89), Instant.now().plusSeconds(91));
    }

    @Test
    void idsAreUniqueAndUnguessable() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 5; i++) ids.add(sandboxes.create().id());
        assertThat(ids).hasSize(5).allMatch(id -> id.matches("sbx_[a-z0-9]{20}"));
    }

    @Test
    void listFiltersByMetadataAndConnectFindsById() {
        Sandbox a = sandboxes.create(SandboxSpec.builder().metadata("team", "a").build());
        Sandbox b = sandboxes.create(SandboxSpec.builder().metadata("team", "b").build());
        List<SandboxInfo> onlyA = sandboxes.provider().list(SandboxQuery.metadata(Map.of("team", "a")));
        assertThat(onlyA).extracting(SandboxInfo::id).containsExactly(a.id());
        assertThat(sandboxes.provider().list(SandboxQuery.ALL)).extracting(SandboxInfo::id).contains(a.id(), b.id());

        Sandbox again = sandboxes.provider().connect(b.id());
        assertThat(again.commands().run(Command.of("echo", "hi")).stdout()).isEqualTo("hi\n");
    }

    @Test
    void killRemovesEveryTrace() throws IOException {
        Sandbox s = sandboxes.create();
        s.commands().start(Command.of("sleep", "1000"));
        String id = s.id();
        assertThat(sandboxes.home().resolve("sandboxes").resolve(id)).isDirectory();
        assertThat(Traces.of(id)).isNotEmpty();

        s.kill();

        assertThat(sandboxes.home().resolve("sandboxes").resolve(id)).doesNotExist();
        assertThat(Traces.of(id)).isEmpty();
        assertThat(sandboxes.provider().list(SandboxQuery.ALL)).extracting(SandboxInfo::id).doesNotContain(id);
        assertThatThrownBy(() -> sandboxes.provider().connect(id)).isInstanceOf(SandboxNotFoundException.class);
        assertThatThrownBy(() -> s.commands().run(Command.of("true"))).isInstanceOf(SandboxException.class);
        assertThat(sandboxes.provider().kill(id)).isFalse();
        s.kill(); // idempotent
    }

    @Test
    void deadlineEndsTheSandboxWithoutAnyoneWatching() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().timeout(Duration.ofSeconds(1)).build());
        s.commands().start(Command.of("sleep", "1000"));
        String id = s.id();
        TestSandboxes.await("sandbox " + id + " to expire", Duration.ofSeconds(10),
                () -> !Files.exists(sandboxes.home().resolve("sandboxes").resolve(id)) && Traces.of(id).isEmpty());
        assertThatThrownBy(() -> sandboxes.provider().connect(id)).isInstanceOf(SandboxNotFoundException.class);
    }

    @Test
    void setTimeoutExtendsAndShortens() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().timeout(Duration.ofSeconds(2)).build());
        s.setTimeout(Duration.ofMinutes(10));
        assertThat(s.info().expiresAt()).isAfter(Instant.now().plusSeconds(590));
        assertThat(sandboxes.provider().connect(s.id()).info().expiresAt()).isEqualTo(s.info().expiresAt());

        s.setTimeout(Duration.ofMillis(300));
        TestSandboxes.await("shortened sandbox to end", Duration.ofSeconds(10), () -> Traces.of(s.id()).isEmpty());
    }

    @Test
    void concurrentCreatesAreIndependent() throws Exception {
        int n = 20;
        List<Future<Sandbox>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(pool.submit(() -> sandboxes.create(SandboxSpec.builder().metadata("k", String.valueOf(k)).build())));
            }
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Sandbox s = futures.get(i).get();
            ids.add(s.id());
            s.files().write("/workspace/k", String.valueOf(i));
        }
        assertThat(ids).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(futures.get(i).get().commands().run(Command.of("cat", "/workspace/k")).stdout()).isEqualTo(String.valueOf(i));
        }
    }

    @Test
    void badSpecsFailClearlyAndLeaveNothing() throws IOException {
        long before = countStateDirs();
        assertThatThrownBy(() -> sandboxes.create(SandboxSpec.builder().template("no-such-template").build()))
                .isInstanceOf(SandboxException.class).hasMessageContaining("unknown template 'no-such-template'");
        assertThatThrownBy(() -> sandboxes.create(SandboxSpec.builder().network(NetworkPolicy.open())
                .secret(SecretInjection.fromEnv("api.test", "X-Api-Key", "AGENTBOX_TEST_UNSET_SECRET")).build()))
                .isInstanceOf(SandboxException.class).hasMessageContaining("AGENTBOX_TEST_UNSET_SECRET is not set");
        assertThatThrownBy(() -> NetworkPolicy.allow("http://example.com/")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SandboxSpec.builder().secret(SecretInjection.parse("api.test:X-Key=K")).build())
                .hasMessageContaining("secrets need a network");
        assertThatThrownBy(() -> SandboxSpec.builder().timeout(Duration.ZERO).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SandboxSpec.builder().memoryMb(1).build()).hasMessageContaining("memory");
        assertThatThrownBy(() -> SandboxSpec.builder().workdir("relative").build()).hasMessageContaining("absolute");
        assertThat(countStateDirs()).isEqualTo(before);
    }

    @Test
    void customWorkdirIsCreatedAndUsed() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().workdir("/home/user/project").build());
        assertThat(s.commands().run(Command.of("pwd")).stdout()).isEqualTo("/home/user/project\n");
        s.files().write("rel.txt", "x");
        assertThat(s.files().exists("/home/user/project/rel.txt")).isTrue();
    }

    private long countStateDirs() throws IOException {
        Path dir = sandboxes.home().resolve("sandboxes");
        if (!Files.isDirectory(dir)) return 0;
        try (var s = Files.list(dir)) {
            return s.count();
        }
    }
}
