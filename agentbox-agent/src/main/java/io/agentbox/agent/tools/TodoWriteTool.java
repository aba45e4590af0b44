package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.event.Events;

import java.util.List;
import java.util.Set;

/** TodoWrite: the model's task list. Nothing runs in the sandbox; the list travels in the tool call events. */
final class TodoWriteTool extends SandboxTool {
    private static final Set<String> STATUSES = Set.of("pending", "in_progress", "completed");

    TodoWriteTool() {
        super("TodoWrite", ToolAccess.READ, """
                Creates and updates a structured task list for the current session, to track progress on \
                multi-step tasks. Send the whole list each time; exactly one task should be in_progress.""",
                Schema.object().property("todos", todosSchema(), true));
    }

    private static ObjectNode todosSchema() {
        ObjectNode item = Schema.object()
                .string("content", true, "What to do, imperative (e.g. \"Run the tests\")")
                .enumeration("status", List.of("pending", "in_progress", "completed"), "The task's state")
                .string("activeForm", true, "Present continuous form shown while in progress (e.g. \"Running the tests\")")
                .build();
        item.remove("$schema");
        item.withArray("required").add("status");
        ObjectNode s = Events.mapper().createObjectNode();
        s.put("type", "array");
        s.set("items", item);
        s.put("description", "The updated todo list");
        return s;
    }

    @Override
    ToolOutput run(JsonNode input, ToolContext ctx) {
        JsonNode todos = input.path("todos");
        if (!todos.isArray()) return ToolOutput.error("InputValidationError: `todos` must be an array");
        for (JsonNode t : todos) {
            Schema.requireString(t, "content");
            if (!STATUSES.contains(t.path("status").asText())) {
                return ToolOutput.error("InputValidationError: each todo's status must be pending, in_progress or completed");
            }
        }
        return ToolOutput.ok("Todos have been modified successfully. Ensure that you continue to use the todo list to track "
                + "your progress. Please proceed with the current tasks if applicable");
    }
}
