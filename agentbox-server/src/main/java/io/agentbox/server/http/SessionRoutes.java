package io.agentbox.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.server.auth.Caller;
import io.agentbox.server.model.Run;
import io.agentbox.server.model.Session;
import io.agentbox.server.runs.RunService;
import io.agentbox.server.sessions.SessionService;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code /v1/sessions}: multi-turn conversations, one run per message, one sandbox throughout. */
public final class SessionRoutes {
    private static final List<String> STATUSES = List.of("active", "ended");

    private final SessionService sessions;
    private final RunService runs;

    public SessionRoutes(SessionService sessions, RunService runs) {
        this.sessions = sessions;
        this.runs = runs;
    }

    static Schema messageSchema() {
        return Schema.object()
                .required("prompt", Schema.string().description("the next message; at most the server's prompt limit"))
                .prop("model", Schema.string().max(200).description("default: the session's"))
                .prop("options", RunOptions.schema().description("override the session's options for this turn"));
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.post("/v1/sessions", "createSession", "Open a multi-turn session (its sandbox is created with the first message)")
                        .tag("sessions")
                        .body(Schema.object()
                                .prop("workspaceId", Schema.string().description("default: the caller's first workspace"))
                                .prop("model", Schema.string().max(200))
                                .prop("template", Schema.string().max(100).description("sandbox template (default host)"))
                                .prop("options", RunOptions.schema().description("options of every turn")))
                        .returns(201, "The session", Schema.ref("Session"))
                        .handle(this::create),
                ApiRoute.get("/v1/sessions", "listSessions", "List sessions, newest first").tag("sessions")
                        .query("workspaceId", Schema.string(), "only this workspace (default: all of the caller's)")
                        .query("status", Schema.enumOf(STATUSES.toArray(String[]::new)), "only sessions in this state")
                        .query("limit", Schema.integer().min(1).max(200), "page size (default 50)")
                        .query("cursor", Schema.string(), "nextCursor of the previous page")
                        .returns(200, "A page of sessions", Schema.ref("SessionPage"))
                        .handle(c -> c.json(200, Views.page(sessions.list(c.caller(), c.query("workspaceId"),
                                c.queryOneOf("status", v -> STATUSES.contains(v) ? Optional.of(Session.Status.valueOf(v.toUpperCase(Locale.ROOT)))
                                        : Optional.empty(), STATUSES), c.queryInt("limit", 1, 200, 50), c.query("cursor")), Views::session))),
                ApiRoute.get("/v1/sessions/{id}", "getSession", "A session: status, sandbox, turns, usage, cost, its run in flight").tag("sessions")
                        .returns(200, "The session", Schema.ref("Session"))
                        .handle(c -> c.json(200, view(sessions.get(c.caller(), c.path("id"))))),
                ApiRoute.post("/v1/sessions/{id}/messages", "sendSessionMessage",
                                "Send the next message: a run of the session, same sandbox, whole conversation (its creator, or an admin or owner)").tag("sessions")
                        .body(messageSchema())
                        .returns(202, "The queued run of this turn; watch its events for the reply", Schema.ref("Run"))
                        .returns(402, "The workspace's daily budget is spent", Schema.ref("Error"))
                        .returns(409, "The session has ended, or its previous run is still in flight", Schema.ref("Error"))
                        .returns(413, "The prompt or body is too large", Schema.ref("Error"))
                        .returns(503, "This server cannot run agents (no model API key)", Schema.ref("Error"))
                        .handle(this::message),
                ApiRoute.delete("/v1/sessions/{id}", "endSession", "End the session: cancels its run in flight, kills its sandbox (its creator, or an admin or owner)").tag("sessions")
                        .returns(200, "The ended session", Schema.ref("Session"))
                        .handle(c -> {
                            sessions.get(c.caller(), c.path("id"));
                            c.json(200, view(sessions.end(c.caller(), c.path("id"), "ended by request")));
                        }));
    }

    private ObjectNode view(Session s) {
        ObjectNode o = Views.session(s);
        Json.put(o, "activeRunId", s.status() == Session.Status.ACTIVE ? sessions.activeRun(s).map(Run::id) : Optional.empty());
        return o;
    }

    private void create(Call c) {
        JsonBody b = c.body();
        var req = new SessionService.NewSession(b.string("workspaceId", 100), b.string("model", 200), RunOptions.template(b),
                Json.write(RunOptions.parse(b.object("options"))));
        Session s = sessions.create(c.caller(), req);
        c.ctx().header("Location", "/v1/sessions/" + s.id());
        c.json(201, view(s));
    }

    private void message(Call c) {
        sessions.get(c.caller(), c.path("id"));
        Run run = send(c.caller(), c.path("id"), c.body());
        c.ctx().header("Location", "/v1/runs/" + run.id());
        c.json(202, Views.run(run));
    }

    /** Queues the session's next turn from a message body ({@code prompt}, {@code model?}, {@code options?}); shared with the WebSocket. */
    Run send(Caller caller, String sessionId, JsonBody b) {
        String prompt = b.requiredText("prompt");
        Optional<String> model = b.string("model", 200);
        var options = RunOptions.parse(b.object("options"));
        return runs.create(caller, new RunService.NewRun(Optional.empty(), prompt, model, Optional.empty(), Optional.of(sessionId), options));
    }
}
