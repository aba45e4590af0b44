package io.agentbox.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.auth.Caller;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/** One request as a handler sees it: the caller, the validated body, parameters, and the answer. */
public final class Call {
    private final Context ctx;
    private final ApiRoute route;
    private final Optional<Caller> caller;
    private final long maxBodyBytes;
    private JsonBody body;

    Call(Context ctx, ApiRoute route, Optional<Caller> caller, long maxBodyBytes) {
        this.ctx = ctx;
        this.route = route;
        this.caller = caller;
        this.maxBodyBytes = maxBodyBytes;
    }

    public Context ctx() {
        return ctx;
    }

    public Caller caller() {
        return caller.orElseThrow(() -> new IllegalStateException(route.path() + " is a public route"));
    }

    public String path(String name) {
        return ctx.pathParam(name);
    }

    public Optional<String> query(String name) {
        return Optional.ofNullable(ctx.queryParam(name)).filter(s -> !s.isEmpty());
    }

    public int queryInt(String name, int min, int max, int fallback) {
        return query(name).map(v -> {
            try {
                int n = Integer.parseInt(v);
                if (n < min || n > max) throw ApiException.invalidField(name, "must be between " + min + " and " + max + " (got " + n + ")");
                return n;
            } catch (NumberFormatException e) {
                throw ApiException.invalidField(name, "must be an integer (got '" + v + "')");
            }
        }).orElse(fallback);
    }

    public OptionalLong queryLong(String name, long min) {
        Optional<String> v = query(name);
        if (v.isEmpty()) return OptionalLong.empty();
        try {
            long n = Long.parseLong(v.get());
            if (n < min) throw ApiException.invalidField(name, "must be at least " + min + " (got " + n + ")");
            return OptionalLong.of(n);
        } catch (NumberFormatException e) {
            throw ApiException.invalidField(name, "must be an integer (got '" + v.get() + "')");
        }
    }

    public Optional<Instant> queryInstant(String name) {
        return query(name).map(v -> {
            try {
                return Instant.parse(v);
            } catch (DateTimeParseException e) {
                throw ApiException.invalidField(name, "must be an ISO-8601 instant such as 2026-11-29T10:00:00Z (got '" + v + "')");
            }
        });
    }

    public <E> Optional<E> queryOneOf(String name, Function<String, Optional<E>> parse, List<String> allowed) {
        return query(name).map(v -> parse.apply(v).orElseThrow(
                () -> ApiException.invalidField(name, "must be one of " + String.join(", ", allowed) + " (got '" + v + "')")));
    }

    /** The request's JSON object, limited in size and to the fields the route documents. */
    public JsonBody body() {
        if (body == null) {
            body = JsonBody.parse(readBounded(ctx, maxBodyBytes));
            route.jsonBody().ifPresent(s -> body.allowOnly(s.propertyNames()));
        }
        return body;
    }

    /** Reads the whole body, answering 413 as soon as it exceeds {@code limit}. */
    static byte[] readBounded(Context ctx, long limit) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) throw ApiException.tooLarge("request body is " + declared + " bytes; the limit is " + limit);
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) throw ApiException.tooLarge("request body exceeds the limit of " + limit + " bytes");
            return bytes;
        } catch (IOException e) {
            throw ApiException.badRequest("request body could not be read: " + e.getMessage());
        }
    }

    public void json(int status, JsonNode node) {
        ctx.status(status);
        ctx.contentType("application/json");
        ctx.result(Json.write(node).getBytes(StandardCharsets.UTF_8));
    }

    public void noContent() {
        ctx.status(204);
    }
}
