package io.agentbox.agent;

import io.agentbox.sandbox.SandboxInfo;

import java.time.LocalDate;
import java.time.ZoneOffset;

/** The built-in system prompt (replaceable and extendable through the options). */
final class SystemPrompt {
    private SystemPrompt() {}

    static String build(AgentOptions options, String cwd, SandboxInfo sandbox) {
        String base = options.systemPrompt().orElseGet(() -> """
                You are a Claude agent working inside an isolated Linux sandbox. You complete the user's task by \
                reading and changing files and running commands with your tools. Every tool acts inside the \
                sandbox, never on the user's machine; the sandbox is yours to use.

                - Check your work: run the code you write and read the output before you report success.
                - Prefer editing existing files (Edit) over rewriting them; read a file before you edit it.
                - Use absolute paths. Keep the final answer short: what you did and the result.

                Environment:
                - Working directory: %s
                - Network: %s
                - Date: %s""".formatted(cwd, sandbox.network().name(), LocalDate.now(ZoneOffset.UTC)));
        return options.appendSystemPrompt().map(extra -> base + "\n\n" + extra).orElse(base);
    }
}
