package io.agentbox.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * An ordered list of steps and how the fake plays them: consumed one per request from a shared
 * queue ({@link Mode#QUEUE}), or replayed in every conversation ({@link Mode#PER_CONVERSATION},
 * see {@link Responders#perConversation}). Scripts are written in Java or loaded from JSON files
 * (the format is described in the module's README).
 */
public record Script(List<Step> steps, Mode mode) {

    public enum Mode {
        QUEUE,
        PER_CONVERSATION
    }

    public Script {
        steps = List.copyOf(steps);
        Objects.requireNonNull(mode, "mode");
    }

    /** A queue-mode script. */
    public static Script of(Step... steps) {
        return new Script(List.of(steps), Mode.QUEUE);
    }

    /** The same steps, replayed in every conversation. */
    public Script perConversation() {
        return new Script(steps, Mode.PER_CONVERSATION);
    }

    /** Reads a JSON script file. */
    public static Script load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ScriptException("cannot read script " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses a JSON script. */
    public static Script parse(String json) {
        return parse(json, "script");
    }

    private static Script parse(String json, String source) {
        try {
            return ScriptJson.read(Json.MAPPER.readTree(json), source);
        } catch (JsonProcessingException e) {
            throw new ScriptException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The script in the JSON script format; {@link #parse} reads it back to an equal script. */
    public String toJson() {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(ScriptJson.write(this));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
