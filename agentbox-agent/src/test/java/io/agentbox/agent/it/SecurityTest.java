package io.agentbox.agent.it;

import io.agentbox.agent.AgentResult;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.session.SessionStore;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The API key stays in the trusted process; prompts travel as data, byte for byte, and never run. */
class SecurityTest {
    @RegisterExtension
    final Harness h = new Harness();

    @Test
    void theApiKeyNeverReachesTheSandboxEventsOrTheDataDir() throws IOException {
        h.fake().enqueue(
                Reply.toolUse("Bash", Map.of("command", "env; cat /proc/1/environ /proc/self/environ | tr '\\0' '\\n'; "
                        + "grep -rsl 'sk-ant' / --exclude-dir=proc --exclude-dir=sys --exclude-dir=usr 2>/dev/null | head; echo end")),
                Reply.toolUse("Grep", Map.of("pattern", "sk-ant", "path", "/tmp", "output_mode", "content")),
                Reply.toolUse("Read", Map.of("file_path", "/proc/self/environ")),
                Reply.toolUse("Glob", Map.of("pattern", "**/*", "path", "/home")),
                Reply.text("checked"));
        Harness.Events events = new Harness.Events();
        AgentResult r = h.agent().sessionStore(SessionStore.inDirectory(h.home().resolve("sessions"))).keepSandbox(true)
                .build().run("look for secrets", events);
        assertThat(r.isSuccess()).as(r.error().toString()).isTrue();
        assertThat(h.fake().messageRequests()).allSatisfy(req -> assertThat(req.hasApiKey(Harness.API_KEY)).isTrue());

        List<EventData.ToolResult> results = events.of(EventData.ToolResult.class);
        assertThat(results).hasSize(4);
        assertThat(results.getFirst().output()).contains("end");
        assertThat(results).allSatisfy(t -> assertThat(t.output()).doesNotContain(Harness.API_KEY).doesNotContain("sk-ant-test"));
        for (Event e : events.all()) assertThat(Events.toJson(e)).doesNotContain(Harness.API_KEY);
        assertThat(r.toString()).doesNotContain(Harness.API_KEY);
        try (Stream<Path> files = Files.walk(h.home())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(Harness.API_KEY);
            }
        }
    }

    @Test
    void hostilePromptsReachTheApiByteForByteAndNeverRun() throws IOException {
        Path hostMarker = Path.of("/tmp", "agentbox-pwned-" + ProcessHandle.current().pid());
        String prompt = "Say \"hi\" 'there' \\ $(touch " + hostMarker + ") `touch /workspace/pwned` ${HOME} $((6*7))\n"
                + "line two\r\n\ttabbed; rm -rf / && echo gotcha | cat ünïcödé ✓ 🚀 日本語 %s %n {{x}} </script>";
        try (Sandbox s = h.provider().create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).build())) {
            h.fake().enqueue(Reply.toolUse("Write", Map.of("file_path", "/workspace/prompt.txt", "content", prompt)),
                    Reply.text(prompt));
            Harness.Events events = new Harness.Events();
            AgentResult r = h.agent().useSandbox(s).appendSystemPrompt(prompt).build().run(prompt, events);
            assertThat(r.isSuccess()).isTrue();
            assertThat(h.fake().messageRequests().getFirst().lastUserText()).isEqualTo(prompt);
            assertThat(h.fake().messageRequests().getFirst().systemText()).endsWith(prompt);
            assertThat(events.of(EventData.RunStarted.class).getFirst().prompt()).isEqualTo(prompt);
            assertThat(r.result()).isEqualTo(prompt);
            assertThat(s.files().read("/workspace/prompt.txt")).isEqualTo(prompt.getBytes(StandardCharsets.UTF_8));
            assertThat(s.files().exists("/workspace/pwned")).isFalse();
            assertThat(Files.exists(hostMarker)).isFalse();
        }
    }
}
