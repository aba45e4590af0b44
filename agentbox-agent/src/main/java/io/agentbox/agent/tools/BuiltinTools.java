package io.agentbox.agent.tools;

import java.util.List;

/** Claude Code's built-in tools, with its names and input schemas, acting inside the sandbox. */
public final class BuiltinTools {
    private BuiltinTools() {}

    /** Read, Write, Edit, MultiEdit, Bash, Glob, Grep, LS, WebFetch, TodoWrite. */
    public static List<Tool> all() {
        return List.of(new ReadTool(), new WriteTool(), EditTool.edit(), EditTool.multiEdit(), new BashTool(),
                new GlobTool(), new GrepTool(), new LsTool(), new WebFetchTool(), new TodoWriteTool());
    }
}
