package io.agentbox.agent.it;

import io.agentbox.agent.AgentResult;
import io.agentbox.agent.event.EventData;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.TestInternet;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A run in an allow-listed sandbox: every refusal of its egress becomes a network.denied event. */
class NetworkDeniedEventsTest {
    @RegisterExtension static final TestInternet internet = new TestInternet();
    @RegisterExtension final Harness h = new Harness();

    @Test
    void refusedAttemptsAreEventsWithTheAuditFields() {
        h.fake().enqueue(
                Reply.toolUse("Bash", Map.of("command", "curl -sS --max-time 10 --noproxy '*' http://www.test/; "
                        + "curl -sS --max-time 10 --noproxy '*' http://other.test/; getent hosts api.test; echo done")),
                Reply.text("checked"));
        Harness.Events events = new Harness.Events();
        AgentResult r = h.agent().sandbox(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).network(NetworkPolicy.allow("www.test")).build())
                .build().run("fetch", events);
        assertThat(r.isSuccess()).as(r.error().toString()).isTrue();
        assertThat(events.of(EventData.ToolResult.class).getFirst().output()).contains("host www.test", "done");
        List<EventData.NetworkDenied> denied = events.of(EventData.NetworkDenied.class);
        assertThat(denied).anySatisfy(d -> {
            assertThat(d.host()).isEqualTo("other.test");
            assertThat(d.kind()).isEqualTo("network");
            assertThat(d.decision()).isEqualTo("denied");
            assertThat(d.reason()).isEqualTo("not in the allow list");
            assertThat(d.port()).isEqualTo(53); // refused at the name: curl never connects
        });
        assertThat(denied).anySatisfy(d -> {
            assertThat(d.host()).isEqualTo("api.test");
            assertThat(d.protocol()).isEqualTo("dns");
        });
        assertThat(denied).noneSatisfy(d -> assertThat(d.host()).isEqualTo("www.test"));
        // after the tool result, before the run ends
        List<String> types = events.types();
        assertThat(types.indexOf("network.denied")).isGreaterThan(types.indexOf("tool.result"));
        assertThat(types.indexOf("network.denied")).isLessThan(types.indexOf("run.completed"));
    }
}
