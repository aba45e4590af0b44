package io.agentbox.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.server.auth.TenancyService;
import io.agentbox.server.model.ApiKey;
import io.agentbox.server.model.Artifact;
import io.agentbox.server.model.Member;
import io.agentbox.server.model.Page;
import io.agentbox.server.model.Role;
import io.agentbox.server.model.Run;
import io.agentbox.server.model.RunEvent;
import io.agentbox.server.model.SandboxRecord;
import io.agentbox.server.model.Session;
import io.agentbox.server.model.Workspace;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/** The wire shape of every resource, in one place. */
public final class Views {
    private Views() {}

    public static <T> ObjectNode page(Page<T> page, Function<T, ObjectNode> view) {
        ObjectNode out = Json.object();
        var data = out.putArray("data");
        page.data().forEach(item -> data.add(view.apply(item)));
        Json.put(out, "nextCursor", page.nextCursor());
        return out;
    }

    public static ObjectNode workspace(Workspace w, Optional<Role> role) {
        ObjectNode o = Json.object();
        o.put("id", w.id());
        o.put("name", w.name());
        Json.put(o, "role", role.map(Role::wireName));
        Json.put(o, "dailyBudgetUsd", w.dailyBudgetUsd());
        Json.put(o, "maxConcurrentRuns", w.maxConcurrentRuns());
        o.put("createdAt", w.createdAt().toString());
        return o;
    }

    public static ObjectNode member(Member m) {
        ObjectNode o = Json.object();
        o.put("principalId", m.principal().id());
        o.put("kind", m.principal().kind().wireName());
        o.put("name", m.principal().name());
        o.put("role", m.role().wireName());
        o.put("joinedAt", m.joinedAt().toString());
        return o;
    }

    public static ObjectNode key(ApiKey k) {
        ObjectNode o = Json.object();
        o.put("id", k.id());
        o.put("name", k.name());
        o.put("principalId", k.principalId());
        o.put("createdAt", k.createdAt().toString());
        Json.put(o, "lastUsedAt", k.lastUsedAt());
        Json.put(o, "revokedAt", k.revokedAt());
        return o;
    }

    public static ObjectNode createdKey(TenancyService.CreatedKey c) {
        ObjectNode o = key(c.key());
        o.put("key", c.plaintext());
        o.put("role", c.role().wireName());
        o.put("workspaceId", c.workspaceId());
        return o;
    }

    public static ObjectNode run(Run r) {
        ObjectNode o = Json.object();
        o.put("id", r.id());
        o.put("workspaceId", r.workspaceId());
        Json.put(o, "sessionId", r.sessionId());
        o.put("status", r.status().wireName());
        o.put("prompt", r.prompt());
        Json.put(o, "model", r.model());
        o.put("template", r.template());
        o.set("options", RunOptions.redacted(Json.parse(r.optionsJson())));
        o.put("createdBy", r.createdBy());
        o.put("createdAt", r.createdAt().toString());
        Json.put(o, "startedAt", r.startedAt());
        Json.put(o, "finishedAt", r.finishedAt());
        Json.put(o, "sandboxId", r.sandboxId());
        Json.put(o, "nodeId", r.nodeId());
        Json.put(o, "result", r.result());
        Json.put(o, "usage", r.usageJson().map(Json::parse));
        Json.put(o, "cost", r.costJson().map(Json::parse));
        Json.put(o, "turns", r.turns());
        Json.put(o, "durationMs", r.durationMs());
        if (r.errorCategory().isPresent()) {
            ObjectNode e = o.putObject("error");
            e.put("category", r.errorCategory().get());
            e.put("message", r.errorMessage().orElse(""));
        } else {
            o.putNull("error");
        }
        return o;
    }

    /** The event schema of DESIGN.md: {@code {seq, runId, ts, type, data}}. */
    public static String event(RunEvent e) {
        return "{\"seq\":" + e.seq() + ",\"runId\":" + Json.write(Json.MAPPER.getNodeFactory().textNode(e.runId()))
                + ",\"ts\":\"" + e.ts() + "\",\"type\":" + Json.write(Json.MAPPER.getNodeFactory().textNode(e.type()))
                + ",\"data\":" + e.dataJson() + "}";
    }

    public static ObjectNode artifact(Artifact a) {
        ObjectNode o = Json.object();
        o.put("id", a.id());
        o.put("runId", a.runId());
        o.put("workspaceId", a.workspaceId());
        o.put("path", a.path());
        o.put("size", a.size());
        o.put("contentType", a.contentType());
        o.put("sha256", a.sha256());
        o.put("reviewState", a.reviewState().wireName());
        Json.put(o, "reviewedBy", a.reviewedBy());
        Json.put(o, "reviewedAt", a.reviewedAt());
        o.put("createdAt", a.createdAt().toString());
        return o;
    }

    public static ObjectNode sandbox(SandboxRecord s) {
        ObjectNode o = Json.object();
        o.put("id", s.id());
        o.put("workspaceId", s.workspaceId());
        o.put("kind", s.kind().name().toLowerCase(Locale.ROOT));
        o.put("template", s.template());
        o.put("createdBy", s.createdBy());
        o.put("createdAt", s.createdAt().toString());
        Json.put(o, "endedAt", s.endedAt());
        Json.put(o, "endReason", s.endReason());
        return o;
    }

    public static ObjectNode session(Session s) {
        ObjectNode o = Json.object();
        o.put("id", s.id());
        o.put("workspaceId", s.workspaceId());
        o.put("status", s.status().name().toLowerCase(Locale.ROOT));
        Json.put(o, "model", s.model());
        o.put("template", s.template());
        o.set("options", RunOptions.redacted(Json.parse(s.optionsJson())));
        Json.put(o, "sandboxId", s.sandboxId());
        o.put("turns", s.turns());
        Json.put(o, "usage", s.usageJson().map(Json::parse));
        Json.put(o, "cost", s.costJson().map(Json::parse));
        o.put("createdBy", s.createdBy());
        o.put("createdAt", s.createdAt().toString());
        o.put("lastActivityAt", s.lastActivityAt().toString());
        Json.put(o, "endedAt", s.endedAt());
        Json.put(o, "endReason", s.endReason());
        return o;
    }
}
