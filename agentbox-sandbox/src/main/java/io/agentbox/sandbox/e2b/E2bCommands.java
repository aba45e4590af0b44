package io.agentbox.sandbox.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandHandle;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Commands;
import io.agentbox.sandbox.ExitReason;
import io.agentbox.sandbox.OutputListener;
import io.agentbox.sandbox.ProcessInfo;
import io.agentbox.sandbox.SandboxException;
import io.agentbox.sandbox.SandboxNotFoundException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code process.Process} of envd. An argv runs as envd's {@code cmd} and {@code args}: no shell is put in
 * between, so argv elements stay data. A stream per process delivers its output and its end.
 */
final class E2bCommands implements Commands {
    private final E2bClient client;
    private final E2bClient.Envd envd;
    private final String workdir;

    E2bCommands(E2bClient client, E2bClient.Envd envd, String workdir) {
        this.client = client;
        this.envd = envd;
        this.workdir = workdir;
    }

    @Override
    public CommandResult run(Command command) {
        Handle h = startProcess(command, command.stdin().map(b -> b.length > 0).orElse(false));
        command.stdin().filter(b -> b.length > 0).ifPresent(bytes -> {
            h.sendStdin(bytes);
            h.closeStdin();
        });
        try {
            return h.await();
        } catch (SandboxException e) {
            // an interrupted caller ends its foreground command, as with local sandboxes
            if (Thread.interrupted()) {
                try {
                    h.kill();
                } finally {
                    Thread.currentThread().interrupt();
                }
            }
            throw e;
        }
    }

    @Override
    public CommandHandle start(Command command) {
        // An empty stdin means none at all: asking to close it later could race with a process that already ended.
        boolean emptyStdin = command.stdin().map(b -> b.length == 0).orElse(false);
        Handle h = startProcess(command, !emptyStdin);
        command.stdin().filter(b -> b.length > 0).ifPresent(bytes -> {
            h.sendStdin(bytes);
            h.closeStdin();
        });
        return h;
    }

    private Handle startProcess(Command c, boolean stdin) {
        ObjectNode req = E2bClient.object();
        ObjectNode p = req.putObject("process");
        p.put("cmd", c.argv().getFirst());
        ArrayNode args = p.putArray("args");
        c.argv().stream().skip(1).forEach(args::add);
        ObjectNode envs = p.putObject("envs");
        c.env().forEach(envs::put);
        p.put("cwd", E2bSandbox.resolve(c.cwd().orElse(""), c.user(), workdir));
        req.put("stdin", stdin);
        Instant started = Instant.now();
        InputStream in = client.stream(envd, "process.Process/Start", req, Optional.of(c.user()), c.timeout());
        return new Handle(in, c.outputLimit(), c.onStdout(), c.onStderr(), started);
    }

    @Override
    public CommandHandle connect(int pid, OutputListener onStdout, OutputListener onStderr) {
        ObjectNode req = E2bClient.object();
        req.putObject("process").put("pid", pid);
        InputStream in = client.stream(envd, "process.Process/Connect", req, Optional.empty(), Optional.empty());
        return new Handle(in, Command.DEFAULT_OUTPUT_LIMIT, onStdout, onStderr, Instant.now());
    }

    @Override
    public List<ProcessInfo> list() {
        JsonNode r = client.unary(envd, "process.Process/List", E2bClient.object(), Optional.empty(), Optional.empty());
        List<ProcessInfo> out = new ArrayList<>();
        for (JsonNode p : r.path("processes")) {
            List<String> argv = new ArrayList<>();
            argv.add(p.at("/config/cmd").asText());
            p.at("/config/args").forEach(a -> argv.add(a.asText()));
            out.add(new ProcessInfo(p.path("pid").asInt(), argv, p.at("/config/cwd").asText(E2bSandbox.HOME), Command.USER,
                    Instant.now(), true, Optional.empty()));
        }
        return out;
    }

    @Override
    public boolean kill(int pid) {
        ObjectNode req = E2bClient.object();
        req.putObject("process").put("pid", pid);
        req.put("signal", "SIGNAL_SIGKILL");
        try {
            client.unary(envd, "process.Process/SendSignal", req, Optional.empty(), Optional.empty());
            return true;
        } catch (E2bRpcException e) {
            if (e.code().equals("not_found")) return false;
            throw e;
        }
    }

    /** Reads one process stream on a virtual thread: start, data, end. */
    final class Handle implements CommandHandle {
        private final CompletableFuture<Integer> pid = new CompletableFuture<>();
        private final CompletableFuture<CommandResult> result = new CompletableFuture<>();
        private final InputStream in;
        private final long limit;
        private final OutputListener onStdout;
        private final OutputListener onStderr;
        private final Instant started;
        private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        private boolean stdoutTruncated;
        private boolean stderrTruncated;
        private volatile boolean killed;

        Handle(InputStream in, long limit, OutputListener onStdout, OutputListener onStderr, Instant started) {
            this.in = in;
            this.limit = limit;
            this.onStdout = onStdout;
            this.onStderr = onStderr;
            this.started = started;
            Thread.ofVirtual().name("e2b-process-stream").start(this::read);
            try {
                pid.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof SandboxException se ? se : new SandboxException("could not start the process", e.getCause());
            } catch (TimeoutException e) {
                close();
                throw new SandboxException("envd did not start the process within 60 s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new SandboxException("interrupted while starting a process");
            }
        }

        private void read() {
            try (in) {
                Base64.Decoder b64 = Base64.getDecoder();
                while (true) {
                    Optional<ConnectFrames.Frame> f = ConnectFrames.read(in);
                    if (f.isEmpty()) {
                        fail(new SandboxException("the process stream ended without a result"));
                        return;
                    }
                    JsonNode msg = E2bClient.JSON.readTree(f.get().payload());
                    if (f.get().endStream()) {
                        JsonNode err = msg.path("error");
                        if (err.isMissingNode() || err.isNull()) fail(new SandboxException("the process stream ended without a result"));
                        else endWithError(err.path("code").asText("unknown"), err.path("message").asText(""));
                        return;
                    }
                    JsonNode ev = msg.path("event");
                    if (ev.has("start")) {
                        pid.complete(ev.path("start").path("pid").asInt());
                    } else if (ev.has("data")) {
                        JsonNode d = ev.path("data");
                        if (d.has("stdout")) output(b64.decode(d.path("stdout").asText()), true);
                        if (d.has("stderr")) output(b64.decode(d.path("stderr").asText()), false);
                    } else if (ev.has("end")) {
                        end(ev.path("end"));
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail(e instanceof SandboxException se ? se : new SandboxException("lost the process stream: " + e.getMessage(), e));
            }
        }

        private void output(byte[] bytes, boolean isStdout) {
            ByteArrayOutputStream buf = isStdout ? stdout : stderr;
            synchronized (buf) {
                long room = limit - buf.size();
                if (room >= bytes.length) buf.write(bytes, 0, bytes.length);
                else {
                    if (room > 0) buf.write(bytes, 0, (int) room);
                    if (isStdout) stdoutTruncated = true;
                    else stderrTruncated = true;
                }
            }
            (isStdout ? onStdout : onStderr).onOutput(bytes, 0, bytes.length);
        }

        private void end(JsonNode end) {
            int code;
            ExitReason reason;
            Optional<Integer> signal = Optional.empty();
            String status = end.path("status").asText("");
            if (end.path("exited").asBoolean(false) || (!end.has("exited") && end.path("exitCode").asInt(0) >= 0)) {
                code = end.path("exitCode").asInt(0);
                reason = ExitReason.EXITED;
            } else {
                int sig = signalNumber(status);
                signal = Optional.of(sig);
                code = 128 + sig;
                reason = status.contains("out of memory") ? ExitReason.OOM : killed ? ExitReason.KILLED : ExitReason.SIGNALED;
            }
            pid.complete(-1);
            result.complete(new CommandResult(code, reason, signal, bytes(stdout), bytes(stderr), stdoutTruncated, stderrTruncated,
                    Duration.between(started, Instant.now())));
        }

        private void endWithError(String code, String message) {
            if (code.equals("deadline_exceeded")) {
                pid.complete(-1);
                result.complete(new CommandResult(137, ExitReason.TIMEOUT, Optional.of(9), bytes(stdout), bytes(stderr),
                        stdoutTruncated, stderrTruncated, Duration.between(started, Instant.now())));
            } else if (code.equals("unavailable")) {
                fail(new SandboxNotFoundException(envd.sandboxId()));
            } else {
                fail(new E2bRpcException(code, message));
            }
        }

        private void fail(SandboxException e) {
            pid.completeExceptionally(e);
            result.completeExceptionally(e);
        }

        private byte[] bytes(ByteArrayOutputStream b) {
            synchronized (b) {
                return b.toByteArray();
            }
        }

        private void close() {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing is best effort; the stream's reader ends either way
            }
        }

        @Override
        public int pid() {
            return pid.join();
        }

        private ObjectNode selector() {
            ObjectNode req = E2bClient.object();
            req.putObject("process").put("pid", pid());
            return req;
        }

        @Override
        public void sendStdin(byte[] data) {
            ObjectNode req = selector();
            req.putObject("input").put("stdin", Base64.getEncoder().encodeToString(data));
            client.unary(envd, "process.Process/SendInput", req, Optional.empty(), Optional.empty());
        }

        @Override
        public void closeStdin() {
            try {
                client.unary(envd, "process.Process/CloseStdin", selector(), Optional.empty(), Optional.empty());
            } catch (E2bRpcException e) {
                // a process that has ended has no stdin left to close
                if (!e.code().equals("not_found") || !result.isDone() && !awaitQuietly()) throw e;
            }
        }

        /** Whether the process ends within a moment: a not-found answer may arrive just before its end event. */
        private boolean awaitQuietly() {
            try {
                result.get(5, java.util.concurrent.TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        }

        @Override
        public void kill() {
            if (result.isDone()) return;
            killed = true;
            E2bCommands.this.kill(pid());
        }

        @Override
        public CommandResult await() {
            try {
                return result.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof SandboxException se ? se : new SandboxException("process failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxException("interrupted while waiting for a process");
            }
        }

        @Override
        public Optional<CommandResult> await(Duration timeout) {
            try {
                return Optional.of(result.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                return Optional.empty();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof SandboxException se ? se : new SandboxException("process failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxException("interrupted while waiting for a process");
            }
        }
    }

    private static int signalNumber(String status) {
        String s = status.replace("signal: ", "").replace(" (out of memory)", "").trim();
        return switch (s) {
            case "hangup" -> 1;
            case "interrupt" -> 2;
            case "quit" -> 3;
            case "aborted" -> 6;
            case "segmentation fault" -> 11;
            case "broken pipe" -> 13;
            case "terminated" -> 15;
            default -> 9;
        };
    }
}
