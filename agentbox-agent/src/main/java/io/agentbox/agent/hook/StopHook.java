package io.agentbox.agent.hook;

import java.util.Optional;

/**
 * Runs when the model ends its turn. Returning a message keeps the run going: the message is sent
 * to the model as the user's next words (e.g. "the tests still fail, fix them").
 */
@FunctionalInterface
public interface StopHook {
    Optional<String> onStop(String result);
}
