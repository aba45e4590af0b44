package io.agentbox.cli;

import io.agentbox.sandbox.Sandboxes;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code agentbox}: the root command. Holds the global options and the lazily opened sandbox
 * provider. Its subcommands are added by {@link Main#commandLine}.
 */
// scope INHERIT: every subcommand gets -h/--help and -V/--version too
@Command(name = "agentbox",
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = AgentboxCommand.Version.class,
        description = "Run Claude agents and commands in isolated local sandboxes.",
        usageHelpAutoWidth = true)
public final class AgentboxCommand implements Runnable {
    private boolean debug;
    private Cli cli;

    @Spec
    private CommandSpec spec;

    // A setter rather than a field: picocli copies inherited options into every subcommand but
    // keeps this setter, so `agentbox sandbox ls --debug` lands here too.
    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Show stack traces of failures.")
    void setDebug(boolean debug) {
        this.debug = debug;
    }

    public boolean debug() {
        return debug;
    }

    private String server;
    private String apiKey;
    private String provider;

    @Option(names = "--provider", scope = ScopeType.INHERIT, paramLabel = "local|e2b",
            description = "Where sandboxes run: local (bubblewrap on this machine, the default) or e2b (E2B_API_KEY, and E2B_DOMAIN "
                    + "or E2B_API_URL and E2B_SANDBOX_URL, e.g. an agentbox serve); default: AGENTBOX_PROVIDER.")
    void setProvider(String provider) {
        this.provider = provider;
    }

    @Option(names = "--server", paramLabel = "URL", description = "agentbox server of runs, sessions, keys and workspaces (default: AGENTBOX_SERVER, else http://127.0.0.1:8080).")
    void setServer(String server) {
        this.server = server;
    }

    @Option(names = "--api-key", paramLabel = "KEY", description = "API key for the server (default: AGENTBOX_API_KEY).")
    void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    public Optional<String> server() {
        return Optional.ofNullable(server);
    }

    public Optional<String> apiKey() {
        return Optional.ofNullable(apiKey);
    }

    /** The shared state of this invocation (data dir, sandbox provider). */
    public Cli cli() {
        if (cli == null) {
            String p = Optional.ofNullable(provider).or(() -> Optional.ofNullable(System.getenv("AGENTBOX_PROVIDER")))
                    .filter(s -> !s.isBlank()).orElse(Cli.LOCAL);
            cli = new Cli(Sandboxes.defaultHome().toAbsolutePath(), p);
        }
        return cli;
    }

    /** The shared state, from any subcommand's spec. */
    public static Cli cli(CommandSpec spec) {
        return ((AgentboxCommand) spec.root().userObject()).cli();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code agentbox <version>}, from the version Maven wrote into the jar. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = AgentboxCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String[] {"agentbox " + p.getProperty("version", "unknown")};
        }
    }
}
