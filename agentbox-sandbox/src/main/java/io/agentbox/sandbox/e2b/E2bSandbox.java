package io.agentbox.sandbox.e2b;

import io.agentbox.sandbox.Commands;
import io.agentbox.sandbox.Filesystem;
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

    private final String workdir;

    /** {@code workdir}: the default cwd of commands and the base of relative paths of this handle. */
    E2bSandbox(E2bSandboxProvider provider, E2bClient client, E2bClient.Envd envd, String workdir) {
        this.provider = provider;
        this.envd = envd;
        this.workdir = workdir;
        this.commands = new E2bCommands(client, envd, workdir);
        this.files = new E2bFiles(client, envd, commands, workdir);
    }

    @Override
    public String id() {
        return envd.sandboxId();
    }

    @Override
    public SandboxInfo info() {
        SandboxInfo i = provider.info(id());
        return new SandboxInfo(i.id(), i.template(), i.createdAt(), i.expiresAt(), i.metadata(), i.resources(), i.network(), workdir);
    }

    @Override
    public Commands commands() {
        return commands;
    }

    @Override
    public Filesystem files() {
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

    /** envd's path rules, with relative paths relative to {@code base} (the workdir). */
    static String resolve(String path, String user, String base) {
        String home = user.equals("root") ? "/root" : HOME;
        if (path.isEmpty()) return base;
        if (path.equals("~")) return home;
        if (path.startsWith("~/")) return home + path.substring(1);
        if (path.startsWith("/")) return path;
        return base + "/" + path;
    }
}
