package io.agentbox.testkit.sandbox;

import io.agentbox.sandbox.Filesystem;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Plays the programs of an {@link InMemorySandboxProvider}'s sandboxes. */
@FunctionalInterface
public interface CommandResponder {
    /** Every command exits 127, as when the program does not exist. */
    CommandResponder NONE = Reply::notFound;

    Reply respond(Call call);

    /** One command, as the sandbox received it; {@code files} is the sandbox's filesystem, to read or change. */
    record Call(List<String> argv, String cwd, Map<String, String> env, byte[] stdin, String user, Filesystem files) {
        public Call {
            argv = List.copyOf(argv);
            env = Map.copyOf(env);
            stdin = stdin.clone();
        }

        /**
         * The shell text of a {@code bash -c}/{@code sh -c} command; for the agent's Bash tool, the model's own
         * command (its fixed wrapper script passes it as {@code $1} to {@code eval}). Otherwise the argv joined by spaces.
         */
        public String script() {
            String program = argv.get(0).substring(argv.get(0).lastIndexOf('/') + 1);
            if ((program.equals("bash") || program.equals("sh")) && argv.size() >= 3 && argv.get(1).equals("-c")) {
                if (argv.size() >= 5 && argv.get(2).contains("eval \"$1\"")) return argv.get(4);
                return argv.get(2);
            }
            return String.join(" ", argv);
        }
    }

    /** How a command ended. */
    record Reply(int exitCode, String stdout, String stderr) {
        public static Reply ok(String stdout) {
            return new Reply(0, stdout, "");
        }

        public static Reply fail(int exitCode, String stderr) {
            return new Reply(exitCode, "", stderr);
        }

        public static Reply notFound(Call call) {
            return fail(127, call.argv().get(0) + ": command not found (an in-memory sandbox runs no programs)\n");
        }

        byte[] stdoutBytes() {
            return stdout.getBytes(StandardCharsets.UTF_8);
        }

        byte[] stderrBytes() {
            return stderr.getBytes(StandardCharsets.UTF_8);
        }
    }
}
