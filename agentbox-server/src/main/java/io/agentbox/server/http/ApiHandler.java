package io.agentbox.server.http;

@FunctionalInterface
public interface ApiHandler {
    void handle(Call call) throws Exception;
}
