package io.agentbox.cli;

import io.agentbox.ErrorCategory;
import io.agentbox.sandbox.Durations;
import io.agentbox.sandbox.template.BuildListener;
import io.agentbox.sandbox.template.TemplateBuildException;
import io.agentbox.sandbox.template.TemplateInfo;
import io.agentbox.sandbox.template.Templates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** {@code agentbox template build FILE | ls | rm NAME}: Debian root filesystems that sandboxes start from. */
@Command(name = "template", description = "Build, list and remove sandbox templates.")
final class TemplateCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private Templates templates() {
        return new Templates(AgentboxCommand.cli(spec).home());
    }

    @Command(name = "build", description = "Build a template from a TOML spec (or reuse the build of an unchanged spec).")
    int build(@Parameters(paramLabel = "FILE", description = "The template spec, e.g. templates/python.toml.") Path file) {
        if (!Files.isRegularFile(file)) throw new CliException(ErrorCategory.CONFIG, "no such spec file: " + file);
        PrintWriter err = spec.commandLine().getErr();
        Instant start = Instant.now();
        TemplateInfo built;
        try {
            built = templates().build(file, new Progress(err, start));
        } catch (TemplateBuildException e) {
            // The step's output was shown as it came; the reason is the message's first line.
            String reason = e.getMessage().lines().findFirst().orElse("template build failed").replaceFirst("; last output:$", "");
            throw new CliException(e.category(), reason + (e.outputTail().isEmpty() ? "" : " (its output is above)"));
        }
        spec.commandLine().getOut().println(built.name());
        return 0;
    }

    /** Prints {@code [12s] step 2/5: install packages} and the step's output, indented. */
    private record Progress(PrintWriter err, Instant start) implements BuildListener {
        private String elapsed() {
            return "[" + Durations.format(Duration.ofSeconds(Duration.between(start, Instant.now()).toSeconds())) + "]";
        }

        @Override
        public void step(int n, int total, String description) {
            err.println(elapsed() + " step " + n + "/" + total + ": " + description);
            err.flush();
        }

        @Override
        public void output(String line) {
            err.println("  | " + line);
            err.flush();
        }

        @Override
        public void cached(TemplateInfo template) {
            err.println("template '" + template.name() + "' is up to date (same spec as its last build)");
            err.flush();
        }

        @Override
        public void done(Duration elapsed) {
            err.println(elapsed() + " done in " + Durations.format(elapsed));
            err.flush();
        }
    }

    /** A template as {@code template ls --json} prints it. */
    record TemplateView(String name, String kind, String hash, long sizeBytes, String createdAt, boolean builtIn) {
        static TemplateView of(TemplateInfo t) {
            return new TemplateView(t.name(), t.kind().wireName(), t.hash(), t.sizeBytes(), t.createdAt().toString(), t.builtIn());
        }
    }

    @Command(name = "ls", description = "List templates.")
    int ls(@Option(names = "--json", description = "Print a JSON array.") boolean json) {
        List<TemplateInfo> all = templates().list();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Json.print(out, all.stream().map(TemplateView::of).toList());
            return 0;
        }
        Table table = new Table("NAME", "KIND", "SIZE", "BUILT");
        for (TemplateInfo t : all) {
            table.row(t.name(), t.kind().wireName(), t.builtIn() ? "-" : mib(t.sizeBytes()), t.builtIn() ? "built in" : t.createdAt().toString());
        }
        table.print(out);
        return 0;
    }

    @Command(name = "rm", description = "Remove a built template (not while a running sandbox uses it).")
    int rm(@Parameters(paramLabel = "NAME") String name) {
        if (!templates().remove(name)) throw new CliException(ErrorCategory.CONFIG, "no template named '" + name + "'");
        return 0;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }
}
