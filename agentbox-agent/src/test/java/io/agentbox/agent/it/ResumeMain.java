package io.agentbox.agent.it;

import io.agentbox.agent.Agent;
import io.agentbox.agent.AgentResult;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.output.ExitCode;
import io.agentbox.agent.session.SessionStore;
import io.agentbox.sandbox.Sandboxes;

import java.nio.file.Path;

/**
 * A second process that resumes a session: {@code ResumeMain HOME SESSION_ID PROMPT}. The model
 * client is configured from the environment ({@code ANTHROPIC_API_KEY}, {@code ANTHROPIC_BASE_URL}),
 * events go to stdout as JSON lines, the exit code follows {@link ExitCode}.
 */
public final class ResumeMain {
    private ResumeMain() {}

    public static void main(String[] args) {
        Path home = Path.of(args[0]);
        Agent agent = Agent.builder().sandboxProvider(Sandboxes.local(home))
                .sessionStore(SessionStore.inDirectory(home.resolve("sessions"))).build();
        AgentResult r = agent.resumeSession(args[1]).run(args[2], e -> System.out.println(Events.toJson(e)));
        System.out.flush();
        System.exit(ExitCode.of(r).code());
    }
}
