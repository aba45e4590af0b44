package io.agentbox.cli.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.Agent;
import io.agentbox.agent.AgentRun;
import io.agentbox.agent.event.Event;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.mcp.McpConfig;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxInfo;
import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.client.AgentboxClientException;
import io.agentbox.server.mcp.AgentboxBackend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The MCP tools on this machine, without a server: sandboxes of the local provider (addressable by id
 * from any process, so a sandbox made by one {@code agentbox mcp} process serves the next), and agent
 * runs in this process whose events are kept under {@code <home>/mcp-runs/} for later calls to read.
 */
final class LocalBackend implements AgentboxBackend {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RUN_ID = Pattern.compile("run_[A-Za-z0-9]{1,64}");
    private static final Duration MAX_LIFETIME = Duration.ofHours(24);

    private final SandboxProvider provider;
    private final Path runs;
    private final Map<String, AgentRun> active = new ConcurrentHashMap<>();

    LocalBackend(SandboxProvider provider, Path home) {
        this.provider = provider;
        this.runs = home.resolve("mcp-runs");
    }

    @Override
    public JsonNode createSandbox(ObjectNode body) {
        SandboxSpec.Builder spec = SandboxSpec.builder().metadata("agentbox", "mcp");
        text(body, "template").ifPresent(spec::template);
        text(body, "timeout").ifPresent(t -> spec.timeout(duration(t)));
        text(body, "network").ifPresent(n -> spec.network(NetworkPolicy.parse(n)));
        if (body.path("metadata").isObject()) body.get("metadata").fields().forEachRemaining(e -> spec.metadata(e.getKey(), e.getValue().asText()));
        // not closed: the sandbox lives on until its timeout or sandbox_kill, like one made by `agentbox sandbox create`
        Sandbox s = provider.create(spec.build());
        return view(s.info());
    }

    @Override
    public JsonNode listSandboxes(Optional<String> workspaceId) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode data = out.putArray("data");
        provider.list(SandboxQuery.ALL).forEach(i -> data.add(view(i)));
        out.putNull("nextCursor");
        return out;
    }

    @Override
    public JsonNode exec(String sandboxId, ObjectNode body) {
        Command.Builder c = Command.shellBuilder(body.path("shell").asText()).stdin(new byte[0]);
        text(body, "cwd").ifPresent(c::cwd);
        text(body, "timeout").ifPresent(t -> c.timeout(duration(t)));
        CommandResult r = provider.connect(sandboxId).commands().run(c.build());
        ObjectNode out = JSON.createObjectNode().put("exitCode", r.exitCode()).put("reason", r.reason().name().toLowerCase(java.util.Locale.ROOT))
                .put("stdout", r.stdout()).put("stderr", r.stderr()).put("durationMs", r.duration().toMillis());
        r.limitMessage().ifPresent(m -> out.put("message", m));
        return out;
    }

    @Override
    public byte[] readFile(String sandboxId, String path) {
        return provider.connect(sandboxId).files().read(path);
    }

    @Override
    public JsonNode writeFile(String sandboxId, String path, byte[] content) {
        provider.connect(sandboxId).files().write(path, content);
        return JSON.createObjectNode().put("path", path).put("size", content.length);
    }

    @Override
    public void killSandbox(String sandboxId) {
        provider.connect(sandboxId);  // not found: a clear error instead of a silent no-op
        provider.kill(sandboxId);
    }

    @Override
    public JsonNode startRun(ObjectNode body) {
        ObjectNode options = body.path("options").isObject() ? (ObjectNode) body.get("options") : JSON.createObjectNode();
        SandboxSpec.Builder spec = SandboxSpec.builder().metadata("agentbox", "mcp-run");
        text(body, "template").ifPresent(spec::template);
        text(options, "network").ifPresent(n -> spec.network(NetworkPolicy.parse(n)));
        Agent.Builder b = Agent.builder().sandboxProvider(provider).sandbox(spec.build());
        text(body, "model").ifPresent(b::model);
        if (options.has("maxTurns")) b.maxTurns(options.get("maxTurns").asInt());
        if (options.has("maxBudgetUsd")) b.maxBudgetUsd(options.get("maxBudgetUsd").decimalValue());
        text(options, "timeout").ifPresent(t -> b.timeout(duration(t)));
        text(options, "systemPrompt").ifPresent(b::systemPrompt);
        text(options, "appendSystemPrompt").ifPresent(b::appendSystemPrompt);
        options.path("allowedTools").forEach(r -> b.allowedTools(r.asText()));
        options.path("disallowedTools").forEach(r -> b.disallowedTools(r.asText()));
        if (options.path("mcpServers").isObject()) b.mcpServers(McpConfig.parseServers(options.get("mcpServers"), Optional.empty()));
        Agent agent = b.build();
        try {
            Files.createDirectories(runs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String[] id = new String[1];
        java.util.concurrent.CountDownLatch named = new java.util.concurrent.CountDownLatch(1);
        AgentRun run = agent.start(text(body, "prompt").orElseThrow(), event -> {
            try {
                named.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            append(id[0], event);
            if (event.data().isTerminal()) {
                active.remove(id[0]);
                agent.close();
            }
        });
        id[0] = run.runId();
        active.put(id[0], run);
        // the file is the run's record for every later call (run_start's own wait included): it exists
        // before the id is handed out, whether or not the first event has been written yet
        try {
            Files.write(file(id[0]), new byte[0], StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            named.countDown();
        }
        return JSON.createObjectNode().put("id", id[0]).put("status", "running").put("prompt", text(body, "prompt").orElse(""));
    }

    @Override
    public JsonNode getRun(String runId) {
        List<JsonNode> events = events(runId, 0);
        ObjectNode out = JSON.createObjectNode().put("id", runId).put("status", "running");
        for (JsonNode e : events) {
            JsonNode d = e.path("data");
            switch (e.path("type").asText()) {
                case "run.started" -> out.put("prompt", d.path("prompt").asText()).put("model", d.path("model").asText());
                case "sandbox.ready" -> out.put("sandboxId", d.path("sandboxId").asText());
                case "run.completed" -> out.put("status", "succeeded").put("result", d.path("result").asText());
                case "run.failed" -> out.put("status", "failed").set("error", JSON.createObjectNode()
                        .put("category", d.path("category").asText()).put("message", d.path("message").asText()));
                case "run.canceled" -> out.put("status", "canceled").put("reason", d.path("reason").asText());
                default -> { }
            }
            if (d.has("turns")) out.put("turns", d.path("turns").asInt());
            if (d.has("cost") && e.path("type").asText().startsWith("run.")) out.set("cost", d.get("cost"));
            if (d.has("usage") && e.path("type").asText().startsWith("run.")) out.set("usage", d.get("usage"));
        }
        return out;
    }

    @Override
    public List<JsonNode> events(String runId, long afterSeq) {
        Path file = file(runId);
        if (!Files.exists(file)) throw new AgentboxClientException(404, "not_found", "run " + runId + " not found");
        List<JsonNode> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                JsonNode e = JSON.readTree(line);
                if (e.path("seq").asLong() > afterSeq) out.add(e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Follows the events file until the run's terminal event (the run writes it as it goes). */
    @Override
    public void watch(String runId, long afterSeq, Consumer<Event> onEvent) {
        long after = afterSeq;
        while (true) {
            for (JsonNode e : events(runId, after)) {
                after = e.path("seq").asLong();
                Event event = Events.fromTree(e);
                onEvent.accept(event);
                if (event.data().isTerminal()) return;
            }
            if (!active.containsKey(runId) && getRun(runId).path("status").asText().equals("running")) {
                throw new AgentboxClientException(409, "conflict", "run " + runId + " belongs to another agentbox mcp process that is gone");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public JsonNode cancelRun(String runId, Optional<String> reason) {
        AgentRun run = active.get(runId);
        if (run == null) {
            JsonNode r = getRun(runId);
            if (r.path("status").asText().equals("running")) {
                throw new AgentboxClientException(409, "conflict", "run " + runId + " runs in another agentbox mcp process; cancel it there");
            }
            return r;
        }
        run.cancel(reason.orElse("canceled over MCP"));
        run.await();
        return getRun(runId);
    }

    private synchronized void append(String runId, Event event) {
        try {
            Files.writeString(file(runId), Events.toJson(event) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path file(String runId) {
        if (!RUN_ID.matcher(runId).matches()) throw new AgentboxClientException(404, "not_found", "run " + runId + " not found");
        return runs.resolve(runId + ".jsonl");
    }

    private static ObjectNode view(SandboxInfo i) {
        ObjectNode o = JSON.createObjectNode().put("id", i.id()).put("template", i.template())
                .put("createdAt", i.createdAt().toString()).put("expiresAt", i.expiresAt().toString())
                .put("network", i.network().name()).put("workdir", i.workdir());
        o.set("metadata", JSON.valueToTree(i.metadata()));
        return o;
    }

    private static Optional<String> text(JsonNode body, String field) {
        JsonNode v = body.path(field);
        return v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
    }

    private static Duration duration(String text) {
        Duration d = Durations.parse(text);
        if (d.isZero() || d.isNegative() || d.compareTo(MAX_LIFETIME) > 0) throw new IllegalArgumentException("timeout must be between 1s and 24h, got " + text);
        return d;
    }
}
