package io.agentbox.agent.mcp;

import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;
import io.agentbox.sandbox.Sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The pinned MCP reference server ({@code @modelcontextprotocol/server-everything}, installed by
 * bin/install-test-deps): copied into a sandbox to run there over stdio, or started on the
 * host's loopback in its Streamable HTTP mode.
 */
public final class ReferenceServers {
    /** Where {@link #installIn} puts the server inside a sandbox. */
    public static final String SANDBOX_DIR = "/tmp/everything";
    public static final String SANDBOX_ENTRY = SANDBOX_DIR + "/node_modules/@modelcontextprotocol/server-everything/dist/index.js";

    private static Path tarball;

    private ReferenceServers() {}

    /** The test-deps directory of the checkout, found from the module's directory. */
    public static Path testDeps() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("test-deps");
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new IllegalStateException("no test-deps directory above " + Path.of("").toAbsolutePath());
    }

    public static Path everything() {
        Path dir = testDeps().resolve("mcp-everything/node_modules");
        if (!Files.isDirectory(dir.resolve("@modelcontextprotocol/server-everything"))) {
            throw new IllegalStateException("the MCP reference server is not installed: run test-deps/install.sh (setup.sh --deps-only does)");
        }
        return dir;
    }

    /** Copies the server (and its node_modules) into the sandbox as one archive, unpacked there. */
    public static synchronized void installIn(Sandbox sandbox) {
        try {
            if (tarball == null) {
                Path t = Files.createTempFile("mcp-everything-", ".tgz");
                t.toFile().deleteOnExit();
                Process p = new ProcessBuilder("tar", "czf", t.toString(), "-C", everything().getParent().toString(), "node_modules")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (p.waitFor() != 0) throw new IllegalStateException("tar failed: " + out);
                tarball = t;
            }
            sandbox.files().write(SANDBOX_DIR + ".tgz", Files.readAllBytes(tarball));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        CommandResult r = sandbox.commands().run(Command.builder("sh", "-c", "mkdir -p \"$1\" && tar xzf \"$1.tgz\" -C \"$1\" && rm \"$1.tgz\"", "sh", SANDBOX_DIR)
                .timeout(Duration.ofMinutes(1)).build());
        if (!r.isSuccess()) throw new IllegalStateException("unpacking the MCP server in the sandbox failed: " + r.stderr());
    }

    /** The server as a stdio entry, to run in a sandbox where {@link #installIn} put it. */
    public static McpServerConfig.Stdio stdio() {
        return new McpServerConfig.Stdio("node", List.of(SANDBOX_ENTRY, "stdio"), java.util.Map.of());
    }

    /** The server in Streamable HTTP mode on a free loopback port; {@link Http#close} stops it. */
    public static Http startHttp() {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Path log = Files.createTempFile("mcp-everything-http-", ".log");
            ProcessBuilder pb = new ProcessBuilder("node", everything().resolve("@modelcontextprotocol/server-everything/dist/index.js").toString(),
                    "streamableHttp").redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("PORT", String.valueOf(port));
            Process process = pb.start();
            Http http = new Http(process, port, log);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                try (Socket probe = new Socket()) {
                    probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return http;
                } catch (IOException notYet) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        http.close();
                        throw new IllegalStateException("the MCP HTTP server did not start: " + Files.readString(log));
                    }
                    Thread.sleep(50);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public record Http(Process process, int port, Path log) implements AutoCloseable {
        public String url() {
            return "http://127.0.0.1:" + port + "/mcp";
        }

        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor();
                Files.deleteIfExists(log);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException ignored) {
                // a leftover log in /tmp
            }
        }
    }
}
