package io.agentbox.testkit;

import java.util.List;

/** Ready-made {@link Responder}s. */
public final class Responders {
    private Responders() {}

    /**
     * Replays one script in every conversation: a request whose {@code messages} already hold
     * {@code n} assistant messages gets step {@code n}. Keeps no state, so any number of
     * concurrent, independent conversations can share one fake. A request past the end of the
     * script fails with a 500 that says so. A {@link Failure} step repeats on every retry of its
     * turn, since a retry carries the same conversation.
     */
    public static Responder perConversation(List<? extends Step> steps) {
        List<Step> script = List.copyOf(steps);
        return request -> {
            int turn = request.assistantTurns();
            if (turn < script.size()) {
                return script.get(turn);
            }
            return Failure.http(500, "api_error", "fake Anthropic API: the per-conversation script has " + script.size()
                            + " steps, but request #" + request.index() + " is at turn " + turn + " of its conversation")
                    .withHeader("x-should-retry", "false");
        };
    }
}
