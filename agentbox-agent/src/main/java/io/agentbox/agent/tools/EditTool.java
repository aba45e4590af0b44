package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.event.Events;
import io.agentbox.sandbox.SandboxFileException;

import java.util.List;
import java.util.Optional;

/** Edit (one exact replacement) and MultiEdit (several, applied in order, all or nothing). */
final class EditTool extends SandboxTool {
    /** Edit holds the file as text in memory: larger files are refused, not read. */
    static final long MAX_EDIT_BYTES = 16L << 20;

    private final boolean multi;

    private EditTool(String name, String description, Schema schema, boolean multi) {
        super(name, ToolAccess.EDIT, description, schema);
        this.multi = multi;
    }

    static EditTool edit() {
        return new EditTool("Edit", """
                Performs an exact string replacement in a file. old_string must match the file's text exactly \
                (including indentation) and must be unique in the file unless replace_all is true. An empty \
                old_string creates the file with new_string as its content.""",
                Schema.object()
                        .string("file_path", true, "The absolute path to the file to modify")
                        .string("old_string", true, "The text to replace")
                        .string("new_string", true, "The text to replace it with (must be different from old_string)")
                        .bool("replace_all", "Replace all occurrences of old_string (default false)"), false);
    }

    static EditTool multiEdit() {
        ObjectNode edit = Schema.object()
                .string("old_string", true, "The text to replace")
                .string("new_string", true, "The text to replace it with")
                .bool("replace_all", "Replace all occurrences of old_string (default false)").build();
        edit.remove("$schema");
        ObjectNode edits = Events.mapper().createObjectNode();
        edits.put("type", "array");
        edits.put("minItems", 1);
        edits.set("items", edit);
        edits.put("description", "Array of edit operations to perform sequentially on the file");
        return new EditTool("MultiEdit", """
                Makes several exact string replacements in one file, in order, each on the result of the \
                previous one. Either all edits apply or none does.""",
                Schema.object()
                        .string("file_path", true, "The absolute path to the file to modify")
                        .property("edits", edits, true), true);
    }

    @Override
    public Optional<String> ruleSubject(JsonNode input) {
        return subject(input, "file_path");
    }

    @Override
    ToolOutput run(JsonNode input, ToolContext ctx) {
        String path = ctx.resolve(Schema.requireString(input, "file_path"));
        List<JsonNode> edits;
        if (multi) {
            JsonNode arr = input.path("edits");
            if (!arr.isArray() || arr.isEmpty()) return ToolOutput.error("InputValidationError: `edits` must be a non-empty array");
            edits = java.util.stream.StreamSupport.stream(arr.spliterator(), false).toList();
        } else {
            edits = List.of(input);
        }
        boolean exists = ctx.sandbox().files().exists(path);
        String text = null;
        if (exists) {
            // the bound is counted as the file streams: its size may lie (sparse, or growing meanwhile)
            try {
                text = ctx.sandbox().files().readText(path, MAX_EDIT_BYTES);
            } catch (SandboxFileException e) {
                if (e.reason() != SandboxFileException.Reason.TOO_LARGE) throw e;
                return ToolOutput.error("File too large to edit: " + path + " is over " + (MAX_EDIT_BYTES >> 20)
                        + " MiB. Use Bash (e.g. `sed -i`, `patch`) for a file this large.");
            }
        }
        int replacements = 0;
        for (int i = 0; i < edits.size(); i++) {
            JsonNode e = edits.get(i);
            String where = multi ? "edit " + (i + 1) + ": " : "";
            String oldString = Schema.requireString(e, "old_string");
            String newString = Schema.requireString(e, "new_string");
            boolean all = Schema.optBool(e, "replace_all");
            if (oldString.equals(newString)) {
                return ToolOutput.error(where + "No changes to make: old_string and new_string are exactly the same.");
            }
            if (text == null) {
                if (!oldString.isEmpty()) return ToolOutput.error("File does not exist: " + path);
                text = newString;
                replacements++;
                continue;
            }
            if (oldString.isEmpty()) {
                if (!text.isEmpty()) return ToolOutput.error(where + "Cannot create " + path + ": it already exists and is not empty.");
                text = newString;
                replacements++;
                continue;
            }
            int count = count(text, oldString);
            if (count == 0) return ToolOutput.error(where + "String to replace not found in file " + path + ".\nString: " + oldString);
            if (count > 1 && !all) {
                return ToolOutput.error(where + "Found " + count + " matches of the string to replace, but replace_all is false. "
                        + "To replace all occurrences, set replace_all to true. To replace only one occurrence, "
                        + "provide more context to uniquely identify the instance.\nString: " + oldString);
            }
            text = all ? text.replace(oldString, newString) : text.replaceFirst(java.util.regex.Pattern.quote(oldString),
                    java.util.regex.Matcher.quoteReplacement(newString));
            replacements += all ? count : 1;
        }
        ctx.sandbox().files().write(path, text);
        return ToolOutput.ok(exists ? "The file " + path + " has been updated (" + replacements + " replacement"
                + (replacements == 1 ? "" : "s") + ")." : "File created successfully at: " + path);
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) n++;
        return n;
    }
}
