package io.agentbox.agent.it;

import io.agentbox.agent.Agent;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.AgentSession;
import io.agentbox.agent.SandboxListener;
import io.agentbox.agent.event.EventData;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The session owns the sandbox it creates (renews, recreates, kills it) and never touches one it borrows. */
class SandboxOwnershipTest {
    @RegisterExtension
    final Harness h = new Harness();

    /** What a listener heard, one line per step. */
    static final class Heard implements SandboxListener {
        final List<String> steps = new CopyOnWriteArrayList<>();

        @Override public void created(Sandbox sandbox, Optional<String> replaces) {
            steps.add("created " + sandbox.id() + replaces.map(r -> " replacing " + r).orElse(""));
        }
        @Override public void acquired(Sandbox sandbox) { steps.add("acquired " + sandbox.id()); }
        @Override public void ended(String sandboxId) { steps.add("ended " + sandboxId); }
    }

    private boolean alive(String id) {
        return h.provider().list(SandboxQuery.ALL).stream().anyMatch(i -> i.id().equals(id));
    }

    @Test
    void closeKillsTheSandboxTheSessionOwnsAndTheListenerHearsEachStep() {
        h.fake().enqueue(Reply.text("one"), Reply.text("two"));
        Heard heard = new Heard();
        String id;
        try (AgentSession session = h.agent().sandboxListener(heard).build().newSession()) {
            session.run("one", new Harness.Events());
            session.run("two", new Harness.Events());
            id = session.sandboxId().orElseThrow();
            assertThat(alive(id)).as("kept between the runs of the session").isTrue();
        }
        assertThat(alive(id)).as("close() kills an owned sandbox").isFalse();
        assertThat(heard.steps).containsExactly("created " + id, "acquired " + id, "acquired " + id, "ended " + id);
    }

    @Test
    void closeLeavesAKeptSandboxAndNeverKillsABorrowedOne() throws Exception {
        h.fake().enqueue(Reply.text("kept"), Reply.text("borrowed"));
        String kept;
        try (AgentSession session = h.agent().keepSandbox(true).build().newSession()) {
            session.run("kept", new Harness.Events());
            kept = session.sandboxId().orElseThrow();
        }
        assertThat(alive(kept)).as("keepSandbox(true): close() leaves it").isTrue();

        Heard heard = new Heard();
        try (Sandbox borrowed = h.provider().create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).build())) {
            Instant deadline = borrowed.info().expiresAt();
            AgentSession session = h.agent().useSandbox(borrowed).sandboxListener(heard).build().newSession();
            AgentResult r = session.run("borrowed", new Harness.Events());
            assertThat(r.isSuccess()).isTrue();
            session.close();
            session.end();
            assertThat(alive(borrowed.id())).as("neither close() nor end() kills a borrowed sandbox").isTrue();
            assertThat(borrowed.info().expiresAt()).as("nor renews it").isEqualTo(deadline);
            assertThat(heard.steps).containsExactly("acquired " + borrowed.id());
        }
    }

    @Test
    void aSandboxTakenBeforeTheFirstRunIsThatRunsAndOneFoundEndedIsRecreatedAndReported() {
        h.fake().enqueue(Reply.text("first"), Reply.text("second"));
        Heard heard = new Heard();
        try (AgentSession session = h.agent().sandboxListener(heard).build().newSession()) {
            Sandbox early = session.sandbox();
            early.files().write("/workspace/in.txt", "uploaded");
            Harness.Events first = new Harness.Events();
            session.run("first", first);
            assertThat(first.of(EventData.SandboxReady.class)).singleElement().satisfies(r -> {
                assertThat(r.sandboxId()).isEqualTo(early.id());
                assertThat(r.reused()).isFalse();
            });

            assertThat(h.provider().kill(early.id())).isTrue();
            Sandbox again = session.sandbox();
            assertThat(again.id()).isNotEqualTo(early.id());
            Harness.Events second = new Harness.Events();
            session.run("second", second);
            assertThat(second.of(EventData.SandboxRecreated.class)).singleElement().satisfies(r -> {
                assertThat(r.previousSandboxId()).isEqualTo(early.id());
                assertThat(r.sandboxId()).isEqualTo(again.id());
            });
            assertThat(heard.steps).containsExactly("created " + early.id(), "acquired " + early.id(),
                    "created " + again.id() + " replacing " + early.id(), "acquired " + again.id());
        }
    }

    @Test
    void aLeaseKeepsTheSandboxAliveThroughALongRunThenItWaitsItsIdleTimeout() {
        h.fake().enqueue(Reply.toolUse("Bash", Map.of("command", "sleep 8; echo survived")), Reply.text("done"));
        Agent agent = h.agent().sandbox(SandboxSpec.builder().timeout(Duration.ofSeconds(5)).idleTimeout(Duration.ofMinutes(10)).build())
                .sandboxLease(Duration.ofSeconds(5)).keepSandbox(true).build();
        try (AgentSession session = agent.newSession()) {
            Harness.Events events = new Harness.Events();
            AgentResult r = session.run("sleep past the lease", events);
            assertThat(r.isSuccess()).isTrue();
            assertThat(events.of(EventData.ToolResult.class)).singleElement()
                    .satisfies(t -> assertThat(t.output()).contains("survived"));
            Instant expires = session.sandbox().info().expiresAt();
            assertThat(expires).as("after the run the kept sandbox waits its idle timeout")
                    .isAfter(Instant.now().plus(Duration.ofMinutes(9)));
        }
    }
}
