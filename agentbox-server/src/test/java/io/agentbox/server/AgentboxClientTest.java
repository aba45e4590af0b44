package io.agentbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import io.agentbox.client.AgentboxClient;
import io.agentbox.client.AgentboxClientException;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.ServerTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class AgentboxClientTest extends ServerTestBase {

    @Test
    void runsWorkspacesAndKeysThroughTheClient() {
        AgentboxClient owner = AgentboxClient.fromEnvironment(Map.of("AGENTBOX_SERVER", server.url(), "AGENTBOX_API_KEY", server.ownerKey()));
        String ws = owner.createWorkspace("client").get("id").asText();
        JsonNode key = owner.createKey(ws, "ci", "member");
        AgentboxClient ci = AgentboxClient.create(server.url(), key.get("key").asText());
        assertThat(ci.me().at("/workspaces/0/id").asText()).isEqualTo(ws);

        JsonNode run = ci.createRun(AgentboxClient.NewRun.of("emit 3; succeed").withWorkspace(ws).withOption("maxTurns", 4));
        assertThat(run.get("status").asText()).isEqualTo("queued");
        List<String> types = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        long last = ci.watch(run.get("id").asText(), 0, e -> {
            types.add(e.type());
            events.add(e);
        });
        assertThat(events.getLast().data()).isInstanceOfSatisfying(EventData.RunCompleted.class, c -> assertThat(c.turns()).isEqualTo(1));
        assertThat(types).containsExactly("run.started", "sandbox.ready", "text.delta", "text.delta", "text.delta", "text", "usage",
                "run.completed");
        assertThat(last).isEqualTo(8);
        assertThat(ci.getRun(run.get("id").asText()).get("status").asText()).isEqualTo("succeeded");
        assertThat(ci.listRuns(AgentboxClient.RunFilter.ALL.withWorkspace(ws).withStatus("succeeded")).get("data")).hasSize(1);

        String held = ci.createRun(AgentboxClient.NewRun.of("hold").withWorkspace(ws)).get("id").asText();
        assertThat(ci.cancelRun(held, Optional.of("test")).get("status").asText()).isEqualTo("canceled");

        JsonNode session = ci.createSession(Optional.of(ws), Optional.empty(), Optional.empty(), Map.of("maxTurns", 5));
        String sid = session.get("id").asText();
        assertThat(session.get("status").asText()).isEqualTo("active");
        for (String prompt : List.of("say first answer", "say second answer")) {
            JsonNode turn = ci.sendMessage(sid, prompt);
            assertThat(turn.get("sessionId").asText()).isEqualTo(sid);
            ci.watch(turn.get("id").asText(), 0, e -> { });
            assertThat(ci.getRun(turn.get("id").asText()).get("result").asText()).isEqualTo(prompt.substring(4));
        }
        assertThat(ci.getSession(sid).get("turns").asInt()).isEqualTo(2);
        assertThat(ci.listSessions(Optional.of(ws)).get("data").findValuesAsText("id")).containsExactly(sid);
        ci.endSession(sid);
        assertThat(ci.getSession(sid).get("status").asText()).isEqualTo("ended");
        assertThatThrownBy(() -> ci.sendMessage(sid, "say too late")).isInstanceOfSatisfying(AgentboxClientException.class,
                e -> assertThat(e.code()).isEqualTo("conflict"));

        owner.revokeKey(ws, key.get("id").asText());
        assertThatThrownBy(ci::me).isInstanceOfSatisfying(AgentboxClientException.class, e -> {
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.code()).isEqualTo("unauthorized");
        });
        assertThatThrownBy(() -> owner.getRun("run_nope")).isInstanceOfSatisfying(AgentboxClientException.class,
                e -> assertThat(e.code()).isEqualTo("not_found"));
        assertThatThrownBy(() -> AgentboxClient.create("http://127.0.0.1:1", "k").me())
                .isInstanceOfSatisfying(AgentboxClientException.class, e -> assertThat(e.code()).isEqualTo("unreachable"));
    }
}
