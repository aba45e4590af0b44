package io.agentbox.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.EventData;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.client.AgentboxClientException;
import io.modelcontextprotocol.spec.McpSchema;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * agentbox as MCP tools: {@code sandbox_create}, {@code sandbox_exec}, {@code sandbox_read_file},
 * {@code sandbox_write_file}, {@code sandbox_list}, {@code sandbox_kill}, {@code run_start},
 * {@code run_status}, {@code run_events}, {@code run_cancel}. One definition serves both transports
 * (stdio in {@code agentbox mcp}, Streamable HTTP on {@code /mcp}). Every input is checked before
 * anything happens, and every failure is an {@code isError} result whose text says what was wrong.
 */
public final class AgentboxTools {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Receives progress of a long call (MCP {@code notifications/progress}). */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (p, t, m) -> { };

        void report(double progress, Optional<Double> total, String message);
    }

    /** A tool: its MCP definition and what it does on a backend. */
    public record Definition(McpSchema.Tool tool, Handler handler) {
        public String name() {
            return tool.name();
        }
    }

    @FunctionalInterface
    interface Handler {
        JsonNode call(AgentboxBackend backend, Args args, Progress progress);
    }

    /** A bad argument: answered as a tool error naming it. */
    static final class InvalidInput extends RuntimeException {
        InvalidInput(String message) {
            super(message, null, false, false);
        }
    }

    private AgentboxTools() {}

    public static List<Definition> all() {
        return List.of(
                def("sandbox_create", "Create a sandbox (an isolated Linux machine). It lives until its timeout or sandbox_kill,"
                                + " across calls and processes. Answers its id.",
                        props(p -> {
                            p.putObject("template").put("type", "string").put("description", "sandbox template (default host)");
                            p.putObject("timeout").put("type", "string").put("description", "lifetime, e.g. 10m or 1h (default 5m, at most 24h)");
                            p.putObject("network").put("type", "string").set("enum", JSON.createArrayNode().add("none").add("open"));
                            ObjectNode meta = p.putObject("metadata").put("type", "object").put("description", "string labels");
                            meta.putObject("additionalProperties").put("type", "string");
                            p.putObject("workspaceId").put("type", "string");
                        }), List.of(),
                        (b, a, pr) -> {
                            ObjectNode body = JSON.createObjectNode();
                            a.string("template").ifPresent(v -> body.put("template", v));
                            a.string("timeout").ifPresent(v -> body.put("timeout", v));
                            a.oneOf("network", Set.of("none", "open")).ifPresent(v -> body.put("network", v));
                            a.stringMap("metadata").ifPresent(m -> body.set("metadata", JSON.valueToTree(m)));
                            a.string("workspaceId").ifPresent(v -> body.put("workspaceId", v));
                            return b.createSandbox(body);
                        }),
                def("sandbox_exec", "Run a command in a sandbox and answer its exit code, stdout and stderr. `command` is a bash"
                                + " script (pipes and && work); `timeout` (e.g. 30s) kills it when exceeded.",
                        props(p -> {
                            p.putObject("sandboxId").put("type", "string");
                            p.putObject("command").put("type", "string").put("description", "bash script to run");
                            p.putObject("cwd").put("type", "string").put("description", "working directory (default /workspace)");
                            p.putObject("timeout").put("type", "string").put("description", "e.g. 30s (default: none)");
                        }), List.of("sandboxId", "command"),
                        (b, a, pr) -> {
                            String id = a.required("sandboxId");
                            ObjectNode body = JSON.createObjectNode().put("shell", a.required("command"));
                            a.string("cwd").ifPresent(v -> body.put("cwd", v));
                            a.string("timeout").ifPresent(v -> body.put("timeout", v));
                            return b.exec(id, body);
                        }),
                def("sandbox_read_file", "Read a text file of a sandbox (absolute, or relative to /workspace).",
                        props(p -> {
                            p.putObject("sandboxId").put("type", "string");
                            p.putObject("path").put("type", "string");
                        }), List.of("sandboxId", "path"),
                        (b, a, pr) -> {
                            String path = a.required("path");
                            byte[] bytes = b.readFile(a.required("sandboxId"), path);
                            ObjectNode out = JSON.createObjectNode().put("path", path).put("size", bytes.length);
                            try {
                                out.put("content", StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString());
                            } catch (CharacterCodingException e) {
                                out.put("contentBase64", java.util.Base64.getEncoder().encodeToString(bytes));
                            }
                            return out;
                        }),
                def("sandbox_write_file", "Write a text file in a sandbox (created or replaced, parent directories too).",
                        props(p -> {
                            p.putObject("sandboxId").put("type", "string");
                            p.putObject("path").put("type", "string");
                            p.putObject("content").put("type", "string");
                        }), List.of("sandboxId", "path", "content"),
                        (b, a, pr) -> b.writeFile(a.required("sandboxId"), a.required("path"),
                                a.requiredText("content").getBytes(StandardCharsets.UTF_8))),
                def("sandbox_list", "List the live sandboxes (of a workspace, on a server).",
                        props(p -> p.putObject("workspaceId").put("type", "string")), List.of(),
                        (b, a, pr) -> b.listSandboxes(a.string("workspaceId"))),
                def("sandbox_kill", "Kill a sandbox: its processes and files are gone.",
                        props(p -> p.putObject("sandboxId").put("type", "string")), List.of("sandboxId"),
                        (b, a, pr) -> {
                            String id = a.required("sandboxId");
                            b.killSandbox(id);
                            return JSON.createObjectNode().put("sandboxId", id).put("killed", true);
                        }),
                def("run_start", "Start a Claude agent run in a fresh sandbox. With wait (the default) the call reports progress"
                                + " while the run streams and answers the finished run (status, result, usage, cost); with"
                                + " wait=false it answers at once (follow with run_status / run_events).",
                        props(p -> {
                            p.putObject("prompt").put("type", "string");
                            p.putObject("model").put("type", "string");
                            p.putObject("template").put("type", "string");
                            p.putObject("workspaceId").put("type", "string");
                            p.putObject("options").put("type", "object")
                                    .put("description", "run options as for POST /v1/runs: maxTurns, maxBudgetUsd, timeout, allowedTools, network, …");
                            p.putObject("wait").put("type", "boolean").put("description", "wait for the end (default true)");
                        }), List.of("prompt"),
                        AgentboxTools::runStart),
                def("run_status", "A run: status (queued, booting, running, succeeded, failed, canceled), result, error, usage, cost.",
                        props(p -> p.putObject("runId").put("type", "string")), List.of("runId"),
                        (b, a, pr) -> b.getRun(a.required("runId"))),
                def("run_events", "The events of a run so far (tool calls, results, text, usage, …), after a sequence number.",
                        props(p -> {
                            p.putObject("runId").put("type", "string");
                            p.putObject("after").put("type", "integer").put("minimum", 0).put("description", "only events with a larger seq (default 0)");
                            p.putObject("limit").put("type", "integer").put("minimum", 1).put("maximum", 1000).put("description", "at most this many (default 200)");
                        }), List.of("runId"),
                        (b, a, pr) -> {
                            List<JsonNode> events = b.events(a.required("runId"), a.integer("after", 0, Long.MAX_VALUE).orElse(0L));
                            long limit = a.integer("limit", 1, 1000).orElse(200L);
                            ObjectNode out = JSON.createObjectNode();
                            ArrayNode data = out.putArray("events");
                            events.stream().limit(limit).forEach(data::add);
                            out.put("more", events.size() > limit);
                            return out;
                        }),
                def("run_cancel", "Cancel a run; it ends canceled and its sandbox is gone.",
                        props(p -> {
                            p.putObject("runId").put("type", "string");
                            p.putObject("reason").put("type", "string");
                        }), List.of("runId"),
                        (b, a, pr) -> b.cancelRun(a.required("runId"), a.string("reason"))));
    }

    private static JsonNode runStart(AgentboxBackend b, Args a, Progress progress) {
        ObjectNode body = JSON.createObjectNode().put("prompt", a.requiredNonBlank("prompt"));
        a.string("model").ifPresent(v -> body.put("model", v));
        a.string("template").ifPresent(v -> body.put("template", v));
        a.string("workspaceId").ifPresent(v -> body.put("workspaceId", v));
        a.object("options").ifPresent(v -> body.set("options", v));
        boolean wait = a.bool("wait").orElse(true);
        JsonNode run = b.startRun(body);
        String id = run.path("id").asText();
        if (!wait) return run;
        int[] count = {0};
        progress.report(0, Optional.empty(), "run " + id + " " + run.path("status").asText("queued"));
        b.watch(id, 0, event -> {
            count[0]++;
            String line = describe(event);
            if (!line.isEmpty()) progress.report(count[0], Optional.empty(), line);
        });
        return b.getRun(id);
    }

    /** One line per interesting event, for progress messages. */
    static String describe(Event event) {
        return switch (event.data()) {
            case EventData.SandboxReady r -> "sandbox " + r.sandboxId() + " ready";
            case EventData.ToolCall c -> "tool " + c.name();
            case EventData.ToolResult r -> r.isError() ? "tool failed" : "tool done";
            case EventData.Text t -> t.text().length() > 200 ? t.text().substring(0, 200) + "…" : t.text();
            case EventData.RunCompleted c -> "run succeeded";
            case EventData.RunFailed f -> "run failed: " + f.category().wireName() + ": " + f.message();
            case EventData.RunCanceled c -> "run canceled: " + c.reason();
            default -> "";
        };
    }

    /** Calls a tool; never throws: bad input and backend failures are {@code isError} results. */
    public static McpSchema.CallToolResult call(Definition def, AgentboxBackend backend, Map<String, Object> arguments, Progress progress) {
        try {
            JsonNode args = JSON.valueToTree(arguments == null ? Map.of() : arguments);
            JsonNode out = def.handler().call(backend, new Args(def, args), progress);
            return McpSchema.CallToolResult.builder().addTextContent(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out))
                    .isError(false).build();
        } catch (InvalidInput e) {
            return error(def.name() + ": " + e.getMessage());
        } catch (AgentboxClientException e) {
            return error(def.name() + " failed: " + e.getMessage() + " (" + e.code() + ")");
        } catch (io.agentbox.AgentboxException e) {
            return error(def.name() + " failed: " + e.getMessage() + " (" + e.category().wireName() + ")");
        } catch (IllegalArgumentException e) {
            return error(def.name() + ": " + e.getMessage());
        } catch (Exception e) {
            return error(def.name() + " failed: " + e);
        }
    }

    static McpSchema.CallToolResult error(String message) {
        return McpSchema.CallToolResult.builder().addTextContent(message).isError(true).build();
    }

    private static Definition def(String name, String description, ObjectNode properties, List<String> required, Handler handler) {
        ObjectNode schema = JSON.createObjectNode().put("type", "object");
        schema.set("properties", properties);
        ArrayNode req = schema.putArray("required");
        required.forEach(req::add);
        schema.put("additionalProperties", false);
        @SuppressWarnings("unchecked")
        Map<String, Object> map = JSON.convertValue(schema, Map.class);
        return new Definition(McpSchema.Tool.builder().name(name).description(description).inputSchema(map).build(), handler);
    }

    private static ObjectNode props(java.util.function.Consumer<ObjectNode> fill) {
        ObjectNode p = JSON.createObjectNode();
        fill.accept(p);
        return p;
    }

    /** A call's arguments, checked against the tool's schema by hand so that each mistake has a clear message. */
    static final class Args {
        private final JsonNode args;

        Args(Definition def, JsonNode args) {
            if (!args.isObject()) throw new InvalidInput("arguments must be an object");
            Set<String> known = new java.util.HashSet<>();
            JSON.valueToTree(def.tool().inputSchema()).path("properties").fieldNames().forEachRemaining(known::add);
            for (Iterator<String> it = args.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!known.contains(f)) throw new InvalidInput("unknown argument '" + f + "' (expected " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
            this.args = args;
        }

        Optional<String> string(String field) {
            JsonNode v = args.get(field);
            if (v == null || v.isNull()) return Optional.empty();
            if (!v.isTextual()) throw new InvalidInput("'" + field + "' must be a string");
            return Optional.of(v.textValue());
        }

        String required(String field) {
            String v = string(field).orElseThrow(() -> new InvalidInput("'" + field + "' is required"));
            if (v.isBlank()) throw new InvalidInput("'" + field + "' must not be empty");
            return v;
        }

        String requiredNonBlank(String field) {
            return required(field);
        }

        String requiredText(String field) {
            return string(field).orElseThrow(() -> new InvalidInput("'" + field + "' is required"));
        }

        Optional<String> oneOf(String field, Set<String> allowed) {
            return string(field).map(v -> {
                if (!allowed.contains(v)) throw new InvalidInput("'" + field + "' must be one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
                return v;
            });
        }

        Optional<Long> integer(String field, long min, long max) {
            JsonNode v = args.get(field);
            if (v == null || v.isNull()) return Optional.empty();
            if (!v.isIntegralNumber()) throw new InvalidInput("'" + field + "' must be an integer");
            long n = v.asLong();
            if (n < min || n > max) throw new InvalidInput("'" + field + "' must be between " + min + " and " + max);
            return Optional.of(n);
        }

        Optional<Boolean> bool(String field) {
            JsonNode v = args.get(field);
            if (v == null || v.isNull()) return Optional.empty();
            if (!v.isBoolean()) throw new InvalidInput("'" + field + "' must be true or false");
            return Optional.of(v.booleanValue());
        }

        Optional<ObjectNode> object(String field) {
            JsonNode v = args.get(field);
            if (v == null || v.isNull()) return Optional.empty();
            if (!(v instanceof ObjectNode o)) throw new InvalidInput("'" + field + "' must be an object");
            return Optional.of(o.deepCopy());
        }

        Optional<Map<String, String>> stringMap(String field) {
            return object(field).map(o -> {
                Map<String, String> out = new LinkedHashMap<>();
                o.fields().forEachRemaining(e -> {
                    if (!e.getValue().isTextual()) throw new InvalidInput("'" + field + "." + e.getKey() + "' must be a string");
                    out.put(e.getKey(), e.getValue().textValue());
                });
                return out;
            });
        }
    }

    /** The tool names, in order. */
    public static List<String> names() {
        List<String> n = new ArrayList<>();
        all().forEach(d -> n.add(d.name()));
        return n;
    }
}
