package io.agentbox.server.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.Ids;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandHandle;
import io.agentbox.sandbox.OutputListener;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.server.http.Json;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * E2B's code interpreter ({@code @e2b/code-interpreter}: {@code runCode} and code contexts) over a real
 * IPython kernel inside the sandbox. Each context is one {@code kernel-driver.py} process, run as the
 * sandbox user under the sandbox's limits; its cells run one at a time, in order, and keep their state
 * between calls. The SDK addresses these routes with {@code E2b-Sandbox-Port: 49999}.
 */
final class CodeInterpreter {
    private static final String DRIVER = resource("kernel-driver.py");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** A quiet cell still writes a line this often: Jetty and proxies drop idle responses at about 30 s. */
    private static final long KEEPALIVE_SECONDS = 10;
    private static final String EOF = "\u0000eof";
    private static final int MAX_CONTEXTS = 16;

    private final long maxBodyBytes;
    /** sandbox id → context id → kernel; the contexts of a sandbox end with it. */
    private final Map<String, Map<String, Kernel>> kernels = new ConcurrentHashMap<>();

    CodeInterpreter(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Resolves the sandbox of a request: the SDK sends the envd token only on /execute, the traffic token on all. */
    interface Targets {
        Envd.Target of(Context ctx);
    }

    void register(E2bApi.Routes<Envd.Handler> r, Targets targets) {
        r.add(HandlerType.POST, "/execute", ctx -> execute(ctx, targets.of(ctx)));
        r.add(HandlerType.POST, "/contexts", ctx -> {
            Envd.Target t = targets.of(ctx);
            ObjectNode b = E2bApi.body(ctx, maxBodyBytes);
            Kernel k = start(t, language(b), text(b, "cwd").orElse(ControlPlane.HOME));
            E2bApi.json(ctx, 200, k.json());
        });
        r.add(HandlerType.GET, "/contexts", ctx -> {
            Envd.Target t = targets.of(ctx);
            var out = Json.array();
            contexts(t.id()).values().stream().filter(Kernel::alive).forEach(k -> out.add(k.json()));
            E2bApi.json(ctx, 200, out);
        });
        r.add(HandlerType.DELETE, "/contexts/{context}", ctx -> {
            Envd.Target t = targets.of(ctx);
            Kernel k = find(t, ctx.pathParam("context"));
            contexts(t.id()).remove(k.id);
            k.handle.kill();
            ctx.status(204);
        });
        r.add(HandlerType.POST, "/contexts/{context}/restart", ctx -> {
            Envd.Target t = targets.of(ctx);
            Kernel old = find(t, ctx.pathParam("context"));
            old.busy.lock();
            try {
                old.handle.kill();
                contexts(t.id()).put(old.id, launch(t, old.id, old.language, old.cwd));
            } finally {
                old.busy.unlock();
            }
            ctx.status(204);
        });
    }

    private void execute(Context ctx, Envd.Target t) throws IOException {
        ObjectNode b = E2bApi.body(ctx, maxBodyBytes);
        String code = b.path("code").isTextual() ? b.get("code").asText() : null;
        if (code == null) throw E2bError.badRequest("field 'code' (a string) is required");
        Optional<String> contextId = text(b, "context_id");
        if (contextId.isPresent() && text(b, "language").isPresent()) {
            throw E2bError.badRequest("give 'context_id' or 'language', not both");
        }
        Kernel k = contextId.isPresent() ? find(t, contextId.get()) : defaultKernel(t, language(b));
        ObjectNode request = Json.object();
        JsonNode env = b.path("env_vars");
        if (!env.isMissingNode() && !env.isNull() && !env.isObject()) throw E2bError.badRequest("field 'env_vars' must be an object");
        k.busy.lock();
        try {
            long id = k.next.incrementAndGet();
            request.put("id", id).put("code", code);
            if (env.isObject()) request.set("env_vars", env);
            k.send(request);
            stream(ctx, k, id);
        } finally {
            k.busy.unlock();
        }
    }

    /** Copies the cell's lines to the response until its end; a client that left gets the cell interrupted. */
    private static void stream(Context ctx, Kernel k, long id) throws IOException {
        OutputStream out = null;
        boolean clientGone = false;
        while (true) {
            String line;
            try {
                line = k.lines.poll(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                k.send(Json.object().put("interrupt", true));
                return;
            }
            if (line == null) line = "{\"type\":\"keepalive\"}";
            else if (line.equals(EOF)) {
                if (out == null) throw E2bError.sandboxGone(k.sandboxId);
                return; // the sandbox ended mid-cell: the body just ends, as when E2B's sandbox dies
            } else {
                ObjectNode msg = parse(line);
                if (msg == null || msg.path("id").asLong() != id) continue; // a cell abandoned earlier
                msg.remove("id");
                line = Json.write(msg);
                if (msg.path("type").asText().equals("end_of_execution")) {
                    if (!clientGone) write(out == null ? open(ctx) : out, line);
                    return;
                }
            }
            if (clientGone) continue;
            try {
                if (out == null) out = open(ctx);
                write(out, line);
            } catch (IOException e) {
                clientGone = true;
                k.send(Json.object().put("interrupt", true));
            }
        }
    }

    private static OutputStream open(Context ctx) throws IOException {
        ctx.status(200);
        ctx.res().setContentType("application/x-ndjson");
        return ctx.res().getOutputStream();
    }

    private static void write(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private Kernel defaultKernel(Envd.Target t, String language) {
        Map<String, Kernel> mine = contexts(t.id());
        synchronized (mine) {
            Optional<Kernel> existing = mine.values().stream().filter(k -> k.isDefault && k.alive()).findFirst();
            if (existing.isPresent()) return existing.get();
            mine.values().removeIf(k -> k.isDefault);
            Kernel k = launch(t, "default-" + language, language, ControlPlane.HOME);
            mine.put(k.id, k);
            return k;
        }
    }

    private Kernel start(Envd.Target t, String language, String cwd) {
        Map<String, Kernel> mine = contexts(t.id());
        synchronized (mine) {
            mine.values().removeIf(k -> !k.alive());
            if (mine.size() >= MAX_CONTEXTS) throw E2bError.badRequest("a sandbox holds at most " + MAX_CONTEXTS + " code contexts; remove one first");
            Kernel k = launch(t, Ids.newId("ctx"), language, cwd);
            mine.put(k.id, k);
            return k;
        }
    }

    private Kernel find(Envd.Target t, String contextId) {
        Kernel k = contexts(t.id()).get(contextId);
        if (k == null || !k.alive()) throw E2bError.notFound("context " + contextId + " not found in sandbox " + t.id());
        return k;
    }

    private Map<String, Kernel> contexts(String sandboxId) {
        kernels.entrySet().removeIf(e -> !e.getKey().equals(sandboxId) && e.getValue().values().stream().noneMatch(Kernel::alive));
        return kernels.computeIfAbsent(sandboxId, id -> new ConcurrentHashMap<>());
    }

    /** Starts a driver and waits for its kernel: a template without Jupyter gets a 501 that says so. */
    private static Kernel launch(Envd.Target t, String id, String language, String cwd) {
        Kernel k = new Kernel(t.id(), id, language, cwd, id.startsWith("default-"));
        LineSplitter lines = new LineSplitter(k.lines);
        Command command = Command.builder("python3", "-u", "-c", DRIVER)
                .cwd(cwd).user(Command.USER).outputLimit(0)
                .onStdout(OutputListener.text(lines::accept))
                .build();
        try {
            k.handle = t.sandbox().commands().start(command);
        } catch (SandboxException e) {
            throw E2bError.badRequest("the code interpreter could not start in " + cwd + ": " + e.getMessage());
        }
        Thread.ofVirtual().name("kernel-" + id).start(() -> {
            try {
                k.handle.await();
            } catch (RuntimeException ignored) {
                // the sandbox ended: the kernel with it
            }
            k.ended = true;
            k.lines.add(EOF);
        });
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try {
            while (true) {
                String line = k.lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    k.handle.kill();
                    throw E2bError.internal("the Jupyter kernel did not start within " + START_TIMEOUT.toSeconds() + " s");
                }
                if (line.equals(EOF)) throw E2bError.internal("the code interpreter ended before its kernel was ready");
                ObjectNode msg = parse(line);
                if (msg == null) continue;
                switch (msg.path("type").asText()) {
                    case "ready" -> { return k; }
                    case "fatal" -> throw E2bError.notImplemented(msg.path("message").asText());
                    default -> { }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            k.handle.kill();
            throw E2bError.internal("interrupted while the kernel started");
        }
    }

    private static String language(ObjectNode b) {
        String language = text(b, "language").orElse("python");
        if (!language.equals("python")) {
            throw E2bError.badRequest("language '" + language + "' is not offered; agentbox's code interpreter runs python");
        }
        return language;
    }

    private static Optional<String> text(ObjectNode b, String field) {
        JsonNode n = b.path(field);
        return n.isTextual() && !n.asText().isBlank() ? Optional.of(n.asText()) : Optional.empty();
    }

    private static ObjectNode parse(String line) {
        try {
            JsonNode n = Json.MAPPER.readTree(line);
            return n instanceof ObjectNode o ? o : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String resource(String name) {
        try (InputStream in = CodeInterpreter.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class Kernel {
        final String sandboxId;
        final String id;
        final String language;
        final String cwd;
        final boolean isDefault;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final ReentrantLock busy = new ReentrantLock();
        final AtomicLong next = new AtomicLong();
        volatile CommandHandle handle;
        volatile boolean ended;

        Kernel(String sandboxId, String id, String language, String cwd, boolean isDefault) {
            this.sandboxId = sandboxId;
            this.id = id;
            this.language = language;
            this.cwd = cwd;
            this.isDefault = isDefault;
        }

        boolean alive() {
            return !ended;
        }

        void send(ObjectNode request) {
            try {
                handle.sendStdin(Json.write(request) + "\n");
            } catch (SandboxException e) {
                ended = true;
                throw E2bError.sandboxGone(sandboxId);
            }
        }

        ObjectNode json() {
            return Json.object().put("id", id).put("language", language).put("cwd", cwd);
        }
    }

    /** Splits decoded output into lines for the queue. */
    private static final class LineSplitter {
        private final BlockingQueue<String> into;
        private final StringBuilder partial = new StringBuilder();
        private final List<String> ready = new ArrayList<>();

        LineSplitter(BlockingQueue<String> into) {
            this.into = into;
        }

        synchronized void accept(String chunk) {
            partial.append(chunk);
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                ready.add(partial.substring(0, nl));
                partial.delete(0, nl + 1);
            }
            into.addAll(ready);
            ready.clear();
        }
    }
}
