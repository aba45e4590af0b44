package io.agentbox.server.http;

import io.agentbox.agent.permission.PermissionDecision;
import io.agentbox.server.model.Artifact;
import io.agentbox.server.model.ReviewState;
import io.agentbox.server.model.Run;
import io.agentbox.agent.RunStatus;
import io.agentbox.server.runs.ArtifactService;
import io.agentbox.server.runs.RunService;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** {@code /v1/runs}: start, read, list, cancel, stream events, artifacts. */
public final class RunRoutes {
    private static final List<String> STATUSES = Arrays.stream(RunStatus.values()).map(RunStatus::wireName).toList();
    private static final List<String> DECISIONS = List.of("allow", "deny");
    private static final List<String> REVIEW_STATES = Arrays.stream(ReviewState.values()).map(ReviewState::wireName).toList();

    private final RunService runs;
    private final ArtifactService artifacts;
    private final EventStream stream;

    public RunRoutes(RunService runs, ArtifactService artifacts, EventStream stream) {
        this.runs = runs;
        this.artifacts = artifacts;
        this.stream = stream;
    }

    public static Schema createSchema() {
        return Schema.object()
                .required("prompt", Schema.string().description("the task; at most the server's prompt limit (default 1 MiB)"))
                .prop("workspaceId", Schema.string().description("default: the caller's first workspace"))
                .prop("model", Schema.string().max(200))
                .prop("template", Schema.string().max(100).description("sandbox template (default host)"))
                .prop("sessionId", Schema.string().description("continue this session (same sandbox and conversation); "
                        + "the run takes the session's workspace, model, template and options unless given here"))
                .prop("options", RunOptions.schema());
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.post("/v1/runs", "createRun", "Start a run").tag("runs")
                        .body(createSchema())
                        .returns(202, "The queued run", Schema.ref("Run"))
                        .returns(402, "The workspace's daily budget is spent", Schema.ref("Error"))
                        .returns(409, "The session has ended or is busy with another run", Schema.ref("Error"))
                        .returns(413, "The prompt or body is too large", Schema.ref("Error"))
                        .returns(503, "This server cannot run agents (no model API key)", Schema.ref("Error"))
                        .handle(this::create),
                ApiRoute.get("/v1/runs", "listRuns", "List runs, newest first").tag("runs")
                        .query("workspaceId", Schema.string(), "only this workspace (default: all of the caller's)")
                        .query("status", Schema.enumOf(STATUSES.toArray(String[]::new)), "only runs in this state")
                        .query("since", Schema.string().format("date-time"), "only runs created at or after this instant")
                        .query("sessionId", Schema.string(), "only runs of this session")
                        .query("createdBy", Schema.string(), "only runs this principal started")
                        .query("limit", Schema.integer().min(1).max(200), "page size (default 50)")
                        .query("cursor", Schema.string(), "nextCursor of the previous page")
                        .returns(200, "A page of runs", Schema.ref("RunPage"))
                        .handle(this::list),
                ApiRoute.get("/v1/runs/{id}", "getRun", "A run: status, result, usage, cost, error").tag("runs")
                        .returns(200, "The run", Schema.ref("Run"))
                        .handle(c -> c.json(200, Views.run(runs.get(c.caller(), c.path("id"))))),
                ApiRoute.post("/v1/runs/{id}/cancel", "cancelRun", "Cancel a run (its creator, or an admin or owner)").tag("runs")
                        .body(Schema.object().prop("reason", Schema.string().max(500)))
                        .returns(200, "The canceled run; its sandbox is gone", Schema.ref("Run"))
                        .returns(409, "The run had already ended otherwise", Schema.ref("Error"))
                        .handle(this::cancel),
                ApiRoute.get("/v1/runs/{id}/events", "streamRunEvents", "The run's events as Server-Sent Events").tag("runs")
                        .query("after", Schema.integer().min(0), "resume after this seq (the Last-Event-ID header wins)")
                        .query("follow", Schema.bool(), "false: replay the stored events and close (default true)")
                        .query("ticket", Schema.string(), "a stream ticket (POST /v1/stream-tickets) in place of the Authorization header, which browsers cannot set here")
                        .returns(200, "event stream: 'id: <seq>', 'event: <type>', 'data: <event JSON>'", "text/event-stream")
                        .handle(this::events),
                ApiRoute.post("/v1/runs/{id}/permissions/{toolUseId}", "answerPermission",
                                "Answer the run's permission.request for a tool call (its creator, or an admin or owner)").tag("runs")
                        .body(Schema.object().required("decision", Schema.enumOf(DECISIONS.toArray(String[]::new)))
                                .prop("message", Schema.string().max(2000).description("why, shown to the model when denied"))
                                .prop("updatedInput", Schema.anyObject().description("run the tool with this input instead")))
                        .noContent("The waiting tool call goes on")
                        .handle(c -> {
                            runs.get(c.caller(), c.path("id"));
                            runs.answerPermission(c.caller(), c.path("id"), c.path("toolUseId"), decision(c.body(), ""));
                            c.noContent();
                        }),
                ApiRoute.get("/v1/runs/{id}/artifacts", "listArtifacts", "Files the run created or changed under /workspace").tag("artifacts")
                        .returns(200, "The run's artifacts, and the changed files not captured (skipped) with the reason", Schema.ref("ArtifactList"))
                        .handle(c -> {
                            var out = Json.object();
                            var data = out.putArray("data");
                            artifacts.ofRun(c.caller(), c.path("id")).forEach(a -> data.add(Views.artifact(a)));
                            out.putNull("nextCursor");
                            var skipped = out.putArray("skipped");
                            artifacts.skippedOf(c.caller(), c.path("id")).forEach(k -> skipped.addObject()
                                    .put("path", k.path()).put("size", k.size()).put("reason", k.reason()));
                            c.json(200, out);
                        }),
                ApiRoute.get("/v1/runs/{id}/artifacts/{aid}", "downloadArtifact", "Download an artifact's content").tag("artifacts")
                        .returns(200, "The file", "application/octet-stream")
                        .handle(this::download),
                ApiRoute.post("/v1/runs/{id}/artifacts/{aid}/review", "reviewArtifact", "Set an artifact's review state (admins and owners)").tag("artifacts")
                        .body(Schema.object().required("state", Schema.enumOf(REVIEW_STATES.toArray(String[]::new))))
                        .returns(200, "The artifact", Schema.ref("Artifact"))
                        .handle(c -> {
                            artifacts.get(c.caller(), c.path("id"), c.path("aid"));
                            ReviewState state = c.body().oneOf("state", ReviewState::fromWireName, REVIEW_STATES)
                                    .orElseThrow(() -> ApiException.invalidField("state", "is required"));
                            c.json(200, Views.artifact(artifacts.review(c.caller(), c.path("id"), c.path("aid"), state)));
                        }));
    }

    private void create(Call c) {
        JsonBody b = c.body();
        String prompt = b.requiredText("prompt");
        Optional<String> workspaceId = b.string("workspaceId", 100);
        Optional<String> model = b.string("model", 200);
        Optional<String> template = RunOptions.template(b);
        Optional<String> sessionId = b.string("sessionId", 100);
        var options = RunOptions.parse(b.object("options"));
        Run run = runs.create(c.caller(), new RunService.NewRun(workspaceId, prompt, model, template, sessionId, options));
        c.ctx().header("Location", "/v1/runs/" + run.id());
        c.json(202, Views.run(run));
    }

    /** A permission answer as JSON: {@code decision}, optional {@code message} and {@code updatedInput}; {@code prefix} names nested fields. */
    static PermissionDecision decision(JsonBody b, String prefix) {
        String d = b.oneOf("decision", v -> DECISIONS.contains(v) ? Optional.of(v) : Optional.empty(), DECISIONS)
                .orElseThrow(() -> ApiException.invalidField(prefix + "decision", "is required (allow or deny)"));
        Optional<String> message = b.string("message", 2000);
        if (d.equals("deny")) return PermissionDecision.deny(message.orElse("denied by the user"));
        return b.object("updatedInput").map(i -> PermissionDecision.allow(i.node())).orElseGet(PermissionDecision::allow);
    }

    private void list(Call c) {
        var page = runs.list(c.caller(), c.query("workspaceId"),
                c.queryOneOf("status", RunStatus::fromWireName, STATUSES), c.queryInstant("since"),
                c.query("sessionId"), c.query("createdBy"), c.queryInt("limit", 1, 200, 50), c.query("cursor"));
        c.json(200, Views.page(page, Views::run));
    }

    private void cancel(Call c) {
        runs.get(c.caller(), c.path("id"));
        String reason = c.body().string("reason", 500).orElse("canceled by request");
        c.json(200, Views.run(runs.cancel(c.caller(), c.path("id"), reason)));
    }

    private void events(Call c) throws Exception {
        Run run = runs.get(c.caller(), c.path("id"));
        long after = c.queryLong("after", 0).orElse(0);
        String lastEventId = c.ctx().header("Last-Event-ID");
        if (lastEventId != null && !lastEventId.isBlank()) {
            try {
                after = Long.parseLong(lastEventId.trim());
                if (after < 0) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("header 'Last-Event-ID' must be a non-negative event seq");
            }
        }
        boolean follow = c.query("follow").map(v -> switch (v) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw ApiException.invalidField("follow", "must be true or false");
        }).orElse(true);
        stream.sse(c.ctx(), c.caller().keyId(), run.id(), after, follow);
    }

    private void download(Call c) {
        Artifact a = artifacts.get(c.caller(), c.path("id"), c.path("aid"));
        c.ctx().status(200);
        c.ctx().contentType(a.contentType());
        c.ctx().header("Content-Length", Long.toString(a.size()));
        String name = a.path().substring(a.path().lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
        c.ctx().header("Content-Disposition", "attachment; filename=\"" + name + "\"");
        artifacts.content(a, in -> {
            try (InputStream src = in; OutputStream out = c.ctx().res().getOutputStream()) {
                return src.transferTo(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
