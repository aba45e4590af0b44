package io.agentbox.server.http;

import io.javalin.http.HandlerType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP route: what the server registers and what {@code /openapi.json} documents, from the same
 * value. Build with {@link #get}, {@link #post}, …
 */
public record ApiRoute(
        HandlerType method,
        String path,
        String operationId,
        String summary,
        String tag,
        boolean authenticated,
        Optional<Schema> jsonBody,
        Optional<String> rawBodyType,
        List<Param> queryParams,
        Map<Integer, Response> responses,
        ApiHandler handler) {

    public record Param(String name, Schema schema, String description) {}

    public record Response(String description, String contentType, Optional<Schema> schema) {}

    public static Builder get(String path, String operationId, String summary) { return new Builder(HandlerType.GET, path, operationId, summary); }

    public static Builder post(String path, String operationId, String summary) { return new Builder(HandlerType.POST, path, operationId, summary); }

    public static Builder patch(String path, String operationId, String summary) { return new Builder(HandlerType.PATCH, path, operationId, summary); }

    public static Builder put(String path, String operationId, String summary) { return new Builder(HandlerType.PUT, path, operationId, summary); }

    public static Builder delete(String path, String operationId, String summary) { return new Builder(HandlerType.DELETE, path, operationId, summary); }

    public static final class Builder {
        private final HandlerType method;
        private final String path;
        private final String operationId;
        private final String summary;
        private String tag = "default";
        private boolean authenticated = true;
        private Schema jsonBody;
        private String rawBodyType;
        private final List<Param> queryParams = new ArrayList<>();
        private final Map<Integer, Response> responses = new LinkedHashMap<>();

        private Builder(HandlerType method, String path, String operationId, String summary) {
            this.method = method;
            this.path = path;
            this.operationId = operationId;
            this.summary = summary;
        }

        public Builder tag(String v) { tag = v; return this; }

        public Builder publicRoute() { authenticated = false; return this; }

        public Builder body(Schema schema) { jsonBody = schema; return this; }

        public Builder rawBody(String contentType) { rawBodyType = contentType; return this; }

        public Builder query(String name, Schema schema, String description) {
            queryParams.add(new Param(name, schema, description));
            return this;
        }

        public Builder returns(int status, String description, Schema schema) {
            responses.put(status, new Response(description, "application/json", Optional.of(schema)));
            return this;
        }

        public Builder returns(int status, String description, String contentType) {
            responses.put(status, new Response(description, contentType, Optional.empty()));
            return this;
        }

        public Builder noContent(String description) {
            responses.put(204, new Response(description, "", Optional.empty()));
            return this;
        }

        public ApiRoute handle(ApiHandler handler) {
            return new ApiRoute(method, path, operationId, summary, tag, authenticated, Optional.ofNullable(jsonBody),
                    Optional.ofNullable(rawBodyType), List.copyOf(queryParams), Map.copyOf(responses), handler);
        }
    }
}
