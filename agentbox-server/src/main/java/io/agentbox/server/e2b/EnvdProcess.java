package io.agentbox.server.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandHandle;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.ExitReason;
import io.agentbox.sandbox.FileInfo;
import io.agentbox.sandbox.OutputListener;
import io.agentbox.sandbox.ProcessInfo;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxFileException;
import io.agentbox.server.http.Json;
import io.javalin.http.Context;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code process.Process}: processes run through the sandbox's {@code commands()}, in the background, so
 * that they outlive the stream that started them (E2B's {@code background: true}, a dropped client). The
 * stream follows the process and ends with its {@code end} event; {@code Connect-Timeout-Ms} kills it.
 */
final class EnvdProcess {
    /** envd sends keepalives when a stream is quiet; agentbox's proxies and Jetty want traffic well within 30 s. */
    private static final long KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** What envd reports about a process it started: the config as given, and who may feed its stdin. */
    private static final class Proc {
        final String cmd;
        final List<String> args;
        final Map<String, String> envs;
        final String cwd;
        final Optional<String> tag;
        volatile CommandHandle handle;

        Proc(String cmd, List<String> args, Map<String, String> envs, String cwd, Optional<String> tag, CommandHandle handle) {
            this.cmd = cmd;
            this.args = List.copyOf(args);
            this.envs = Map.copyOf(envs);
            this.cwd = cwd;
            this.tag = tag;
            this.handle = handle;
        }
    }

    private final E2bSandboxes sandboxes;
    private final ScheduledExecutorService timers;
    private final Map<String, Map<Integer, Proc>> procs = new ConcurrentHashMap<>();

    EnvdProcess(E2bSandboxes sandboxes, ScheduledExecutorService timers) {
        this.sandboxes = sandboxes;
        this.timers = timers;
    }

    void start(Envd.Target t, ObjectNode req, Context ctx, ConnectStream stream) {
        JsonNode p = req.path("process");
        String cmd = p.path("cmd").asText("");
        if (cmd.isEmpty()) throw E2bError.badRequest("process.cmd is required");
        if (req.hasNonNull("pty")) throw E2bError.notImplemented("PTY is not supported by agentbox");
        List<String> args = new ArrayList<>();
        p.path("args").forEach(a -> args.add(a.asText()));
        Map<String, String> envs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = p.path("envs").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            envs.put(e.getKey(), e.getValue().asText());
        }
        String cwd = EnvdFilesystem.resolve(p.hasNonNull("cwd") ? p.get("cwd").asText() : "", t.user());
        try {
            FileInfo dir = t.sandbox().files().stat(cwd);
            if (!dir.isDirectory()) throw E2bError.badRequest("cwd '" + cwd + "' is not a directory");
        } catch (SandboxFileException e) {
            throw E2bError.badRequest("cwd '" + cwd + "' does not exist");
        }
        List<String> argv = new ArrayList<>();
        argv.add(cmd);
        argv.addAll(args);
        Command.Builder c = Command.builder(argv).cwd(cwd).user(t.user()).outputLimit(0)
                .onStdout(data(stream, "stdout")).onStderr(data(stream, "stderr"));
        try {
            c.env(envs);
        } catch (IllegalArgumentException e) {
            throw E2bError.badRequest(e.getMessage());
        }
        timeout(ctx).ifPresent(c::timeout);
        if (!req.path("stdin").asBoolean(false)) c.stdin(new byte[0]);
        Optional<String> tag = Optional.ofNullable(req.get("tag")).filter(JsonNode::isTextual).map(JsonNode::asText);
        CommandHandle h = t.sandbox().commands().start(c.build());
        procs.computeIfAbsent(t.id(), k -> new ConcurrentHashMap<>()).put(h.pid(), new Proc(cmd, args, envs, cwd, tag, h));
        follow(t, h, stream);
    }

    void connect(Envd.Target t, ObjectNode req, Context ctx, ConnectStream stream) {
        int pid = pid(t, req.path("process"));
        Proc proc = procs.getOrDefault(t.id(), Map.of()).get(pid);
        if (!running(t, pid)) throw E2bError.notFound("process with pid " + pid + " not found");
        CommandHandle h = t.sandbox().commands().connect(pid, data(stream, "stdout"), data(stream, "stderr"));
        if (proc != null) proc.handle = h;
        follow(t, h, stream);
    }

    /** Sends {@code start}, then the output as it comes, then {@code end} once the process has ended. */
    private void follow(Envd.Target t, CommandHandle h, ConnectStream stream) {
        ObjectNode start = Json.object();
        start.putObject("event").putObject("start").put("pid", h.pid());
        stream.open(start);
        ObjectNode keepalive = Json.object();
        keepalive.putObject("event").putObject("keepalive");
        ScheduledFuture<?> pings = timers.scheduleAtFixedRate(() -> stream.keepalive(keepalive, KEEPALIVE_NANOS),
                1, 1, TimeUnit.SECONDS);
        try {
            CommandResult r;
            while (true) {
                Optional<CommandResult> done = h.await(Duration.ofSeconds(1));
                if (done.isPresent()) {
                    r = done.get();
                    break;
                }
                // the client is gone: the process goes on (it may be reattached with Connect)
                if (stream.broken()) return;
            }
            if (r.reason() == ExitReason.TIMEOUT) {
                stream.fail("deadline_exceeded", "the process was killed at its timeout");
                return;
            }
            if (r.reason() == ExitReason.KILLED && !alive(t)) {
                stream.fail("unavailable", "sandbox " + t.id() + " was killed");
                return;
            }
            stream.send(end(r));
            stream.end();
        } catch (SandboxException e) {
            // the connection to the sandbox's init broke: the sandbox is ending (killed or expired)
            sandboxes.gone(t.id());
            stream.fail("unavailable", "sandbox " + t.id() + " ended while the process ran: " + e.getMessage());
        } finally {
            pings.cancel(false);
        }
    }

    private boolean alive(Envd.Target t) {
        try {
            t.sandbox().info();
            return true;
        } catch (SandboxException e) {
            sandboxes.gone(t.id());
            procs.remove(t.id());
            return false;
        }
    }

    /** envd's end event, as Go's {@code os.ProcessState} describes it. */
    static ObjectNode end(CommandResult r) {
        ObjectNode o = Json.object();
        ObjectNode end = o.putObject("event").putObject("end");
        if (r.reason() == ExitReason.EXITED) {
            end.put("exitCode", r.exitCode());
            end.put("exited", true);
            end.put("status", "exit status " + r.exitCode());
            if (r.exitCode() != 0) end.put("error", "exit status " + r.exitCode());
        } else {
            String status = "signal: " + signalName(r.signal().orElse(r.exitCode() > 128 ? r.exitCode() - 128 : 9));
            if (r.reason() == ExitReason.OOM) status += " (out of memory)";
            end.put("exitCode", -1);
            end.put("exited", false);
            end.put("status", status);
            end.put("error", status);
        }
        return o;
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "hangup";
            case 2 -> "interrupt";
            case 3 -> "quit";
            case 6 -> "aborted";
            case 9 -> "killed";
            case 11 -> "segmentation fault";
            case 13 -> "broken pipe";
            case 15 -> "terminated";
            default -> "signal " + signal;
        };
    }

    private static OutputListener data(ConnectStream stream, String kind) {
        Base64.Encoder b64 = Base64.getEncoder();
        return (bytes, off, len) -> {
            if (len == 0) return;
            byte[] chunk = new byte[len];
            System.arraycopy(bytes, off, chunk, 0, len);
            ObjectNode o = Json.object();
            o.putObject("event").putObject("data").put(kind, b64.encodeToString(chunk));
            stream.send(o);
        };
    }

    /** {@code Connect-Timeout-Ms}: the SDK's command timeout; envd kills the process when it expires. */
    private static Optional<Duration> timeout(Context ctx) {
        String v = ctx.header("Connect-Timeout-Ms");
        if (v == null || v.isBlank()) return Optional.empty();
        try {
            long ms = Long.parseLong(v.trim());
            return ms > 0 ? Optional.of(Duration.ofMillis(ms)) : Optional.empty();
        } catch (NumberFormatException e) {
            throw E2bError.badRequest("Connect-Timeout-Ms must be a number of milliseconds");
        }
    }

    ObjectNode list(Envd.Target t) {
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("processes");
        Map<Integer, Proc> known = procs.getOrDefault(t.id(), Map.of());
        for (ProcessInfo p : t.sandbox().commands().list()) {
            if (!p.running()) continue;
            ObjectNode o = list.addObject();
            o.put("pid", p.pid());
            ObjectNode config = o.putObject("config");
            Proc proc = known.get(p.pid());
            if (proc != null) {
                config.put("cmd", proc.cmd);
                ArrayNode args = config.putArray("args");
                proc.args.forEach(args::add);
                ObjectNode envs = config.putObject("envs");
                proc.envs.forEach(envs::put);
                config.put("cwd", proc.cwd);
                proc.tag.ifPresent(tag -> o.put("tag", tag));
            } else {
                config.put("cmd", p.argv().getFirst());
                ArrayNode args = config.putArray("args");
                p.argv().stream().skip(1).forEach(args::add);
                config.putObject("envs");
                config.put("cwd", p.cwd());
            }
        }
        return out;
    }

    ObjectNode signal(Envd.Target t, ObjectNode req) {
        int pid = pid(t, req.path("process"));
        String signal = req.path("signal").asText("");
        boolean known = switch (signal) {
            case "SIGNAL_SIGKILL", "SIGNAL_SIGTERM", "9", "15" -> true;
            default -> false;
        };
        if (!known) throw E2bError.badRequest("unsupported signal '" + signal + "' (SIGNAL_SIGKILL or SIGNAL_SIGTERM)");
        // agentbox ends a process and its whole group with SIGKILL, so nothing it started lingers
        if (!t.sandbox().commands().kill(pid)) throw E2bError.notFound("process with pid " + pid + " not found");
        return Json.object();
    }

    ObjectNode input(Envd.Target t, ObjectNode req) {
        int pid = pid(t, req.path("process"));
        JsonNode input = req.path("input");
        if (input.has("pty")) throw E2bError.notImplemented("PTY is not supported by agentbox");
        byte[] data;
        try {
            data = Base64.getDecoder().decode(input.path("stdin").asText(""));
        } catch (IllegalArgumentException e) {
            throw E2bError.badRequest("input.stdin must be base64");
        }
        handle(t, pid).sendStdin(data);
        return Json.object();
    }

    ObjectNode closeStdin(Envd.Target t, ObjectNode req) {
        handle(t, pid(t, req.path("process"))).closeStdin();
        return Json.object();
    }

    private CommandHandle handle(Envd.Target t, int pid) {
        if (!running(t, pid)) throw E2bError.notFound("process with pid " + pid + " not found");
        Proc proc = procs.getOrDefault(t.id(), Map.of()).get(pid);
        if (proc != null) return proc.handle;
        // started before this server (re)started, or through agentbox's own API: attach without listeners
        return t.sandbox().commands().connect(pid, OutputListener.NONE, OutputListener.NONE);
    }

    private static boolean running(Envd.Target t, int pid) {
        return t.sandbox().commands().list().stream().anyMatch(p -> p.pid() == pid && p.running());
    }

    /** A ProcessSelector: {@code {"pid": N}} or {@code {"tag": "..."}}. */
    private int pid(Envd.Target t, JsonNode selector) {
        if (selector.has("pid")) {
            long pid = selector.path("pid").asLong(-1);
            if (pid < 0 || pid > Integer.MAX_VALUE) throw E2bError.badRequest("process.pid must be a process id");
            return (int) pid;
        }
        if (selector.hasNonNull("tag")) {
            String tag = selector.get("tag").asText();
            return procs.getOrDefault(t.id(), Map.of()).entrySet().stream()
                    .filter(e -> e.getValue().tag.filter(tag::equals).isPresent())
                    .filter(e -> running(t, e.getKey()))
                    .map(Map.Entry::getKey).findFirst()
                    .orElseThrow(() -> E2bError.notFound("process with tag '" + tag + "' not found"));
        }
        throw E2bError.badRequest("process needs a pid or a tag");
    }
}
