package io.agentbox.cli.mcp;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Cli;
import io.agentbox.client.AgentboxClient;
import io.agentbox.server.mcp.AgentboxBackend;
import io.agentbox.server.mcp.AgentboxMcp;
import io.agentbox.server.mcp.ClientBackend;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code agentbox mcp}: agentbox as an MCP server over stdio, for Claude Desktop, Claude Code and IDEs.
 * Without a server its tools act on this machine (local sandboxes, runs in this process); with
 * {@code --server}/{@code AGENTBOX_SERVER} and an API key they act on that server as the key's principal.
 */
@Command(name = "mcp", mixinStandardHelpOptions = true,
        description = {"Serve agentbox's tools over MCP (stdio): sandbox_create, sandbox_exec, sandbox_read_file, sandbox_write_file,",
                "sandbox_list, sandbox_kill, run_start, run_status, run_events, run_cancel.",
                "Locally by default; on a server with --remote (or --server / AGENTBOX_SERVER)."})
public final class McpCommand implements Runnable {
    @ParentCommand
    AgentboxCommand root;

    @Option(names = "--remote", description = "Act on the agentbox server (AGENTBOX_SERVER, AGENTBOX_API_KEY) instead of this machine.")
    boolean remote;

    @Override
    public void run() {
        AgentboxBackend backend = backend();
        CountDownLatch stdinClosed = new CountDownLatch(1);
        InputStream in = new FilterInputStream(new FileInputStream(FileDescriptor.in)) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b < 0) stdinClosed.countDown();
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                if (n < 0) stdinClosed.countDown();
                return n;
            }
        };
        StdioServerTransportProvider transport = new StdioServerTransportProvider(McpJsonDefaults.getMapper(), in,
                new FileOutputStream(FileDescriptor.out));
        McpSyncServer server = McpServer.sync(transport)
                .serverInfo(AgentboxMcp.SERVER_NAME, new AgentboxCommand.Version().getVersion()[0].replace("agentbox ", ""))
                .instructions(AgentboxMcp.INSTRUCTIONS)
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .validateToolInputs(false)
                .requestTimeout(java.time.Duration.ofHours(25))
                .tools(AgentboxMcp.stateful(backend))
                .build();
        try {
            // MCP clients end a stdio server by closing its stdin
            stdinClosed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.closeGracefully();
        }
    }

    private AgentboxBackend backend() {
        Map<String, String> env = new HashMap<>(System.getenv());
        root.server().ifPresent(s -> env.put("AGENTBOX_SERVER", s));
        root.apiKey().ifPresent(k -> env.put("AGENTBOX_API_KEY", k));
        if (remote || root.server().isPresent() || env.containsKey("AGENTBOX_SERVER")) {
            return new ClientBackend(AgentboxClient.fromEnvironment(env));
        }
        Cli cli = root.cli();
        return new LocalBackend(cli.sandboxes(), cli.home());
    }
}
