package io.agentbox.cli.sandbox;

import io.agentbox.cli.AgentboxCommand;
import io.agentbox.cli.Json;
import io.agentbox.cli.Table;
import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.ProcessInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code agentbox sandbox ps ID}: processes started in the sandbox (running and recently ended). */
@Command(name = "ps", description = "List the processes started in a sandbox.")
final class PsCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "Sandbox id.")
    private String id;

    @Option(names = "--json", description = "Print a JSON array.")
    private boolean json;

    /** One process as {@code ps --json} prints it. */
    record ProcessView(int pid, List<String> argv, String cwd, String user, String startedAt, boolean running, Integer exitCode) {
        static ProcessView of(ProcessInfo p) {
            return new ProcessView(p.pid(), p.argv(), p.cwd(), p.user(), SandboxView.iso(p.startedAt()), p.running(), p.exitCode().orElse(null));
        }
    }

    @Override
    public Integer call() {
        List<ProcessInfo> processes = AgentboxCommand.cli(spec).sandbox(id).commands().list();
        if (json) {
            Json.print(spec.commandLine().getOut(), processes.stream().map(ProcessView::of).toList());
            return 0;
        }
        Instant now = Instant.now();
        Table table = new Table("PID", "STATUS", "STARTED", "USER", "COMMAND");
        for (ProcessInfo p : processes) {
            String status = p.running() ? "running" : "exited" + p.exitCode().map(c -> " (" + c + ")").orElse("");
            Duration age = Duration.ofSeconds(Math.max(0, Duration.between(p.startedAt(), now).toSeconds()));
            table.row(String.valueOf(p.pid()), status, Durations.format(age) + " ago", p.user(), String.join(" ", p.argv()));
        }
        table.print(spec.commandLine().getOut());
        return 0;
    }
}
