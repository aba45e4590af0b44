package io.agentbox.agent.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.Agent;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.AgentSession;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.session.SessionStore;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Multi-turn sessions: same sandbox, real messages, persisted and resumed from another process. */
class SessionTest {
    @RegisterExtension
    final Harness h = new Harness();

    private Agent agent() {
        return h.agent().sessionStore(SessionStore.inDirectory(h.home().resolve("sessions"))).keepSandbox(true).build();
    }

    @Test
    void aSecondProcessResumesTheSessionInTheSameSandbox() throws Exception {
        h.fake().enqueue(Reply.toolUse("Write", Map.of("file_path", "/workspace/state.txt", "content", "42")), Reply.text("saved"));
        String sessionId;
        String sandboxId;
        try (AgentSession session = agent().newSession()) {
            AgentResult first = session.run("remember 42", new Harness.Events());
            assertThat(first.isSuccess()).isTrue();
            assertThat(first.sessionId()).isEqualTo(session.id());
            sessionId = session.id();
            sandboxId = session.sandboxId().orElseThrow();
        }
        assertThat(h.provider().list(io.agentbox.sandbox.SandboxQuery.ALL)).extracting(i -> i.id()).contains(sandboxId);

        h.fake().enqueue(Reply.toolUse("Bash", Map.of("command", "cat /workspace/state.txt")), Reply.text("it says 42"));
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ResumeMain.class.getName(),
                h.home().toString(), sessionId, "what did I ask you to remember?");
        pb.environment().put("ANTHROPIC_API_KEY", Harness.API_KEY);
        pb.environment().put("ANTHROPIC_BASE_URL", h.fake().baseUrl());
        pb.environment().remove("ANTHROPIC_AUTH_TOKEN");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as(out).isZero();
        List<Event> events = out.lines().filter(l -> l.startsWith("{")).map(Events::fromJson).toList();
        assertThat(events.stream().map(Event::data).filter(EventData.SandboxReady.class::isInstance)
                .map(d -> (EventData.SandboxReady) d)).singleElement().satisfies(s -> {
                    assertThat(s.sandboxId()).isEqualTo(sandboxId);
                    assertThat(s.reused()).isTrue();
                });
        assertThat(events.stream().map(Event::data).filter(EventData.ToolResult.class::isInstance)
                .map(d -> ((EventData.ToolResult) d).output())).containsExactly("42");
        List<JsonNode> messages = h.fake().lastRequest().messages();
        assertThat(messages).hasSize(7);
        assertThat(messages.getFirst().path("content").get(0).path("text").asText()).isEqualTo("remember 42");
        assertThat(messages.get(4).path("content").get(0).path("text").asText()).isEqualTo("what did I ask you to remember?");

        AgentSession again = agent().resumeSession(sessionId);
        assertThat(again.turns()).isEqualTo(4);
        assertThat(again.messages()).hasSize(8);
        again.end();
    }

    @Test
    void anExpiredSandboxIsRecreatedAndTheUserIsTold() {
        h.fake().enqueue(Reply.text("first"), Reply.toolUse("Bash", Map.of("command", "ls /workspace")), Reply.text("second"));
        Agent agent = agent();
        String sessionId;
        String oldSandbox;
        try (AgentSession session = agent.newSession()) {
            session.run("one", new Harness.Events());
            sessionId = session.id();
            oldSandbox = session.sandboxId().orElseThrow();
        }
        assertThat(h.provider().kill(oldSandbox)).isTrue();
        Harness.Events events = new Harness.Events();
        AgentSession resumed = agent.resumeLatestSession();
        assertThat(resumed.id()).isEqualTo(sessionId);
        AgentResult r = resumed.run("two", events);
        assertThat(r.isSuccess()).isTrue();
        EventData.SandboxRecreated recreated = events.of(EventData.SandboxRecreated.class).getFirst();
        assertThat(recreated.previousSandboxId()).isEqualTo(oldSandbox);
        assertThat(recreated.sandboxId()).isNotEqualTo(oldSandbox).isEqualTo(resumed.sandboxId().orElseThrow());
        assertThat(h.fake().lastRequest().messages()).hasSize(5);
        resumed.end();
    }

    @Test
    void aOneShotRunKillsItsSandboxButKeepsTheConversation() throws IOException {
        h.fake().enqueue(Reply.text("done"));
        Agent agent = h.agent().sessionStore(SessionStore.inDirectory(h.home().resolve("sessions"))).build();
        AgentResult r = agent.run("once", new Harness.Events());
        assertThat(h.provider().list(io.agentbox.sandbox.SandboxQuery.ALL)).isEmpty();
        assertThat(java.nio.file.Files.exists(h.home().resolve("sessions").resolve(r.sessionId() + ".json"))).isTrue();
        assertThat(agent.resumeSession(r.sessionId()).messages()).hasSize(2);
        assertThat(java.nio.file.Files.getPosixFilePermissions(h.home().resolve("sessions").resolve(r.sessionId() + ".json")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    }
}
