package io.agentbox.sandbox.e2b;

import io.agentbox.sandbox.Commands;
import io.agentbox.sandbox.Files;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxInfo;

import java.time.Duration;

/** One E2B sandbox: control-plane calls through the provider, commands and files through its envd. */
final class E2bSandbox implements Sandbox {
    /** E2B templates run commands as {@code user}, whose home is the working directory. */
    static final String HOME = "/home/user";

    private final E2bSandboxProvider provider;
    private final E2bClient.Envd envd;
    private final E2bCommands commands;
    private final E2bFiles files;

    E2bSandbox(E2bSandboxProvider provider, E2bClient client, E2bClient.Envd envd) {
        this.provider = provider;
        this.envd = envd;
        this.commands = new E2bCommands(client, envd);
        this.files = new E2bFiles(client, envd, commands);
    }

    @Override
    public String id() {
        return envd.sandboxId();
    }

    @Override
    public SandboxInfo info() {
        return provider.info(id());
    }

    @Override
    public Commands commands() {
        return commands;
    }

    @Override
    public Files files() {
        return files;
    }

    @Override
    public void setTimeout(Duration timeout) {
        provider.setTimeout(id(), timeout);
    }

    @Override
    public void kill() {
        provider.kill(id());
    }

    /** envd's path rules: relative paths are relative to the user's home. */
    static String resolve(String path, String user) {
        String home = user.equals("root") ? "/root" : HOME;
        if (path.isEmpty() || path.equals("~")) return home;
        if (path.startsWith("~/")) return home + path.substring(1);
        if (path.startsWith("/")) return path;
        return home + "/" + path;
    }
}
