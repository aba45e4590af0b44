package io.agentbox.agent.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandHandle;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Sandbox;
import reactor.core.publisher.Mono;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * MCP's stdio transport over a sandbox process: the server's command runs inside the sandbox, JSON-RPC
 * messages go to its stdin and come back on its stdout, one per line. {@link #exited()} completes when the
 * process ends, with a description of how (exit code, the end of its stderr), so pending calls fail
 * at once instead of waiting for their timeout.
 */
final class SandboxStdioTransport implements McpClientTransport {
    /** A message longer than this is a broken server, not a big answer. */
    private static final int MAX_LINE = 16 * 1024 * 1024;
    private static final int STDERR_TAIL = 2000;

    private final Sandbox sandbox;
    private final McpServerConfig.Stdio config;
    private final String cwd;
    private final McpJsonMapper mapper;
    private final CompletableFuture<String> exited = new CompletableFuture<>();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder stderr = new StringBuilder();
    private volatile Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler;
    private volatile CommandHandle process;
    private volatile boolean closing;

    SandboxStdioTransport(Sandbox sandbox, McpServerConfig.Stdio config, String cwd, McpJsonMapper mapper) {
        this.sandbox = sandbox;
        this.config = config;
        this.cwd = cwd;
        this.mapper = mapper;
    }

    /** Completes with how the server process ended. */
    CompletableFuture<String> exited() {
        return exited;
    }

    @Override
    public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
        return Mono.fromRunnable(() -> {
            this.handler = handler;
            // outputLimit 0: the stream goes to the listeners only, nothing piles up in a result
            Command command = Command.builder(config.argv()).cwd(cwd).env(config.env()).outputLimit(0)
                    .onStdout(this::onStdout).onStderr(this::onStderr).build();
            CommandHandle handle = sandbox.commands().start(command);
            process = handle;
            Thread.ofVirtual().name("mcp-stdio-wait").start(() -> {
                String how;
                try {
                    CommandResult r = handle.await();
                    how = "the server process exited" + r.limitMessage().map(d -> " (" + d + ")")
                            .orElse(r.signal().map(sig -> " on signal " + sig).orElse(" with code " + r.exitCode()));
                } catch (RuntimeException e) {
                    how = "the server process ended: " + e.getMessage();
                }
                String tail = stderrTail();
                exited.complete(tail.isBlank() ? how : how + "; its stderr ended with: " + tail);
            });
        });
    }

    private void onStdout(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8).strip();
                line.reset();
                if (!text.isEmpty()) deliver(text);
            } else if (line.size() < MAX_LINE) {
                line.write(b);
            }
        }
    }

    private void deliver(String text) {
        McpSchema.JSONRPCMessage message;
        try {
            message = McpSchema.deserializeJsonRpcMessage(mapper, text);
        } catch (IOException | RuntimeException e) {
            return; // some servers log to stdout; a line that is no JSON-RPC message is not ours to answer
        }
        var h = handler;
        if (h != null) h.apply(Mono.just(message)).subscribe(m -> { }, e -> { });
    }

    private void onStderr(byte[] bytes, int offset, int length) {
        synchronized (stderr) {
            stderr.append(new String(bytes, offset, length, StandardCharsets.UTF_8));
            if (stderr.length() > 2 * STDERR_TAIL) stderr.delete(0, stderr.length() - STDERR_TAIL);
        }
    }

    private String stderrTail() {
        synchronized (stderr) {
            String s = stderr.toString().strip();
            return s.length() > STDERR_TAIL ? s.substring(s.length() - STDERR_TAIL) : s;
        }
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
        return Mono.fromRunnable(() -> {
            CommandHandle p = process;
            if (p == null || exited.isDone()) throw new IllegalStateException(exited.getNow("the server process is not running"));
            String json;
            try {
                json = mapper.writeValueAsString(message);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot encode an MCP message: " + e.getMessage(), e);
            }
            synchronized (this) {
                p.sendStdin((json + "\n").getBytes(StandardCharsets.UTF_8));
            }
        });
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(this::stop);
    }

    /** Closes stdin (the stdio way to ask a server to exit), then kills what is left after a short grace. */
    void stop() {
        if (closing) return;
        closing = true;
        CommandHandle p = process;
        if (p == null) return;
        try {
            p.closeStdin();
            if (p.await(Duration.ofMillis(500)).isPresent()) return;
        } catch (RuntimeException ignored) {
            // already gone
        }
        p.kill();
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return mapper.convertValue(data, typeRef);
    }
}
