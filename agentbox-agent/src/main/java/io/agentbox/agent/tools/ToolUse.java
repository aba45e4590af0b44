package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;

/** One tool call the model asked for ({@code tool_use} block). */
public record ToolUse(String id, String name, JsonNode input) {}
