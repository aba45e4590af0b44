package io.agentbox.cli.remote;

import io.agentbox.server.AgentboxServer;
import io.agentbox.server.ServerConfig;
import io.agentbox.server.ServerSetting;
import io.agentbox.server.log.ServerLogging;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code agentbox serve}: the HTTP service in the foreground. Every server setting is a flag
 * ({@code --port 8080}), an environment variable ({@code AGENTBOX_PORT}) or a key of the
 * {@code --config} file, in that order of precedence. Ctrl-C or SIGTERM stops it gracefully.
 */
@Command(name = "serve", description = "Run the agentbox HTTP service (REST, SSE, WebSocket) in the foreground.")
public final class ServeCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    /** The command with one option per server setting, generated from {@link ServerConfig#settings()}. */
    public static CommandSpec commandSpec() {
        CommandSpec spec = CommandSpec.forAnnotatedObject(new ServeCommand());
        spec.usageMessage().abbreviateSynopsis(true);
        spec.addOption(OptionSpec.builder("--" + ServerConfig.CONFIG_FILE_KEY).paramLabel("FILE").type(String.class)
                .description("config file (properties; keys as the flags, without --); env " + ServerConfig.CONFIG_FILE_ENV).build());
        for (ServerSetting<?> s : ServerConfig.settings()) {
            OptionSpec.Builder o = OptionSpec.builder("--" + s.key()).paramLabel("VALUE").type(String.class)
                    .description(s.description() + "; env " + s.env());
            // --pool host=8 --pool python=2: the one setting given more than once
            if (s.repeatable()) o.type(List.class).auxiliaryTypes(String.class).paramLabel("TEMPLATE=N");
            spec.addOption(o.build());
        }
        return spec;
    }

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> flags = new LinkedHashMap<>();
        for (OptionSpec o : spec.options()) {
            String key = o.longestName().substring(2);
            if (o.type() == String.class && o.getValue() != null) flags.put(key, o.getValue());
            if (o.type() == List.class && o.getValue() != null && !((List<?>) o.getValue()).isEmpty()) {
                flags.put(key, String.join(",", o.<List<String>>getValue()));
            }
        }
        ServerConfig config = ServerConfig.load(flags, System.getenv());
        // this process is the server's: its logging follows --log-format (an embedding application keeps its own)
        ServerLogging.install(config);
        AgentboxServer server = AgentboxServer.builder(config).build().start();
        PrintWriter err = spec.commandLine().getErr();
        err.println("agentbox serve: listening on " + server.url() + " (Ctrl-C stops it gracefully)");
        server.e2bUrl().ifPresent(u -> err.println("agentbox serve: E2B-compatible API on " + u
                + " (E2B_API_URL=E2B_SANDBOX_URL=" + u + ", E2B_API_KEY=<an agentbox API key>)"));
        err.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "agentbox-serve-stop"));
        server.awaitStop();
        return 0;
    }
}
