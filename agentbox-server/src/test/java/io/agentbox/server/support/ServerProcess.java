package io.agentbox.server.support;

import io.agentbox.server.AgentboxServer;
import io.agentbox.server.ServerConfig;
import io.agentbox.server.log.ServerLogging;

import java.util.Map;

/** {@code agentbox serve} as a child process for crash tests: configured from the environment only. */
public final class ServerProcess {
    private ServerProcess() {}

    public static void main(String[] args) throws Exception {
        ServerConfig config = ServerConfig.load(Map.of(), System.getenv());
        ServerLogging.install(config);
        AgentboxServer server = AgentboxServer.builder(config).build().start();
        System.out.println("LISTENING " + server.url());
        System.out.flush();
        server.awaitStop();
    }
}
