package io.agentbox.cli;

import io.agentbox.ErrorCategory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

/** {@code agentbox template build FILE | ls | rm NAME}. */
@Command(name = "template", description = "Build, list and remove sandbox templates.")
final class TemplateCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "build", description = "Build a template from a TOML spec.")
    void build(@Parameters(paramLabel = "FILE") Path file) {
        throw notYet();
    }

    @Command(name = "ls", description = "List templates.")
    void ls() {
        throw notYet();
    }

    @Command(name = "rm", description = "Remove a template.")
    void rm(@Parameters(paramLabel = "NAME") String name) {
        throw notYet();
    }

    private static CliException notYet() {
        return new CliException(ErrorCategory.CONFIG, "templates other than 'host' are not available in this build yet");
    }
}
