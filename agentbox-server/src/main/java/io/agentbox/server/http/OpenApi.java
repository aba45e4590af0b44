package io.agentbox.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.server.model.ReviewState;
import io.agentbox.server.model.Role;
import io.agentbox.agent.RunStatus;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the OpenAPI 3 document from the same {@link ApiRoute} list the server registers. */
public final class OpenApi {
    private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");

    private OpenApi() {}

    public static ObjectNode document(List<ApiRoute> routes, String version) {
        ObjectNode doc = Json.object();
        doc.put("openapi", "3.0.3");
        ObjectNode info = doc.putObject("info");
        info.put("title", "agentbox");
        info.put("version", version);
        info.put("description", "Run Claude agents in isolated sandboxes: runs, live events, sessions, artifacts, raw sandboxes, tenancy. "
                + "Errors are {\"error\": {\"code\", \"message\"}}. Lists page with ?limit=&cursor= and answer {\"data\", \"nextCursor\"}.");
        ObjectNode paths = doc.putObject("paths");
        for (ApiRoute r : routes) {
            ObjectNode item = paths.has(r.path()) ? (ObjectNode) paths.get(r.path()) : paths.putObject(r.path());
            ObjectNode op = item.putObject(r.method().name().toLowerCase(Locale.ROOT));
            op.put("operationId", r.operationId());
            op.put("summary", r.summary());
            op.putArray("tags").add(r.tag());
            if (!r.authenticated()) op.putArray("security");
            var params = op.putArray("parameters");
            Matcher m = PATH_PARAM.matcher(r.path());
            while (m.find()) {
                ObjectNode p = params.addObject();
                p.put("name", m.group(1));
                p.put("in", "path");
                p.put("required", true);
                p.set("schema", Schema.string().node());
            }
            for (ApiRoute.Param q : r.queryParams()) {
                ObjectNode p = params.addObject();
                p.put("name", q.name());
                p.put("in", "query");
                p.put("required", false);
                p.put("description", q.description());
                p.set("schema", q.schema().node());
            }
            r.jsonBody().ifPresent(s -> {
                ObjectNode body = op.putObject("requestBody");
                body.put("required", true);
                body.putObject("content").putObject("application/json").set("schema", s.node());
            });
            r.rawBodyType().ifPresent(t -> {
                ObjectNode body = op.putObject("requestBody");
                body.put("required", true);
                body.putObject("content").putObject(t).set("schema", Schema.binary().node());
            });
            ObjectNode responses = op.putObject("responses");
            r.responses().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e -> {
                ObjectNode resp = responses.putObject(Integer.toString(e.getKey()));
                resp.put("description", e.getValue().description());
                if (!e.getValue().contentType().isEmpty()) {
                    ObjectNode media = resp.putObject("content").putObject(e.getValue().contentType());
                    media.set("schema", e.getValue().schema().orElse(Schema.string()).node());
                }
            });
            error(responses, "400", "Invalid input; the message names the field");
            if (r.authenticated()) {
                error(responses, "401", "Missing, invalid or revoked API key");
                error(responses, "403", "The caller's role does not allow this");
                error(responses, "404", "Not found, or not in the caller's workspaces");
                error(responses, "429", "Rate limit exceeded; see Retry-After");
            }
        }
        ObjectNode components = doc.putObject("components");
        ObjectNode schemes = components.putObject("securitySchemes");
        schemes.putObject("bearer").put("type", "http").put("scheme", "bearer");
        doc.putArray("security").addObject().putArray("bearer");
        ObjectNode schemas = components.putObject("schemas");
        schemas(schemas);
        return doc;
    }

    private static void error(ObjectNode responses, String status, String description) {
        if (responses.has(status)) return;
        ObjectNode resp = responses.putObject(status);
        resp.put("description", description);
        resp.putObject("content").putObject("application/json").set("schema", Schema.ref("Error").node());
    }

    private static String[] names(Enum<?>[] values) {
        return Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);
    }

    private static Schema list(String item) {
        return Schema.object().required("data", Schema.arrayOf(Schema.ref(item))).prop("nextCursor", Schema.string().nullable());
    }

    private static void schemas(ObjectNode s) {
        s.set("Error", Schema.object().required("error", Schema.object()
                .required("code", Schema.string()).required("message", Schema.string())).node());
        s.set("Run", Schema.object()
                .required("id", Schema.string()).required("workspaceId", Schema.string())
                .prop("sessionId", Schema.string().nullable())
                .required("status", Schema.enumOf(names(RunStatus.values())))
                .required("prompt", Schema.string()).prop("model", Schema.string().nullable())
                .required("template", Schema.string()).required("options", RunOptions.schema())
                .required("createdBy", Schema.string()).required("createdAt", Schema.string().format("date-time"))
                .prop("startedAt", Schema.string().format("date-time").nullable())
                .prop("finishedAt", Schema.string().format("date-time").nullable())
                .prop("sandboxId", Schema.string().nullable()).prop("nodeId", Schema.string().nullable()).prop("result", Schema.string().nullable())
                .prop("usage", Schema.anyObject().nullable()).prop("cost", Schema.anyObject().nullable())
                .prop("turns", Schema.integer().nullable()).prop("durationMs", Schema.integer().nullable())
                .prop("error", Schema.object().prop("category", Schema.string()).prop("message", Schema.string()).nullable())
                .node());
        s.set("RunPage", list("Run").node());
        s.set("UsageReport", io.agentbox.server.analytics.AnalyticsRoutes.schema().node());
        s.set("Event", Schema.object().required("seq", Schema.integer()).required("runId", Schema.string())
                .required("ts", Schema.string().format("date-time")).required("type", Schema.string())
                .required("data", Schema.anyObject()).node());
        s.set("Workspace", Schema.object().required("id", Schema.string()).required("name", Schema.string())
                .prop("role", Schema.enumOf(names(Role.values())).nullable())
                .prop("dailyBudgetUsd", Schema.number().nullable()).prop("maxConcurrentRuns", Schema.integer().nullable())
                .required("createdAt", Schema.string().format("date-time")).node());
        s.set("WorkspaceList", list("Workspace").node());
        s.set("Me", Schema.object().required("principalId", Schema.string()).prop("kind", Schema.string())
                .prop("name", Schema.string()).prop("keyId", Schema.string())
                .required("workspaces", Schema.arrayOf(Schema.ref("Workspace"))).node());
        s.set("Member", Schema.object().required("principalId", Schema.string())
                .required("kind", Schema.enumOf("user", "service_account")).required("name", Schema.string())
                .required("role", Schema.enumOf(names(Role.values()))).required("joinedAt", Schema.string().format("date-time")).node());
        s.set("MemberList", list("Member").node());
        s.set("Key", Schema.object().required("id", Schema.string()).required("name", Schema.string())
                .required("principalId", Schema.string()).required("createdAt", Schema.string().format("date-time"))
                .prop("lastUsedAt", Schema.string().format("date-time").nullable())
                .prop("revokedAt", Schema.string().format("date-time").nullable()).node());
        s.set("KeyList", list("Key").node());
        s.set("NewKey", Schema.object().required("id", Schema.string()).required("key", Schema.string())
                .required("role", Schema.enumOf(names(Role.values()))).required("principalId", Schema.string())
                .required("workspaceId", Schema.string()).required("name", Schema.string()).node());
        s.set("Artifact", Schema.object().required("id", Schema.string()).required("runId", Schema.string())
                .required("path", Schema.string()).required("size", Schema.integer()).required("contentType", Schema.string())
                .required("sha256", Schema.string()).required("reviewState", Schema.enumOf(names(ReviewState.values())))
                .prop("reviewedBy", Schema.string().nullable()).prop("reviewedAt", Schema.string().nullable()).node());
        s.set("ArtifactList", list("Artifact").prop("skipped", Schema.arrayOf(Schema.object().required("path", Schema.string())
                .required("size", Schema.integer()).required("reason", Schema.string()))).node());
        s.set("Sandbox", Schema.object().required("id", Schema.string()).required("workspaceId", Schema.string())
                .required("kind", Schema.enumOf("raw", "run", "session")).required("template", Schema.string())
                .required("createdAt", Schema.string().format("date-time"))
                .prop("endedAt", Schema.string().nullable()).prop("endReason", Schema.string().nullable()).node());
        s.set("SandboxList", list("Sandbox").node());
        s.set("Session", Schema.object().required("id", Schema.string()).required("workspaceId", Schema.string())
                .required("status", Schema.enumOf("active", "ended")).prop("model", Schema.string().nullable())
                .required("template", Schema.string()).prop("sandboxId", Schema.string().nullable())
                .required("options", RunOptions.schema()).required("turns", Schema.integer())
                .prop("usage", Schema.anyObject().nullable()).prop("cost", Schema.anyObject().nullable())
                .required("createdBy", Schema.string()).required("createdAt", Schema.string().format("date-time"))
                .required("lastActivityAt", Schema.string().format("date-time"))
                .prop("activeRunId", Schema.string().nullable())
                .prop("endedAt", Schema.string().nullable()).prop("endReason", Schema.string().nullable()).node());
        s.set("SessionPage", list("Session").node());
    }
}
