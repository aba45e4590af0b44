package io.agentbox.server.telemetry;

import io.opentelemetry.api.common.AttributeKey;

/** Attributes the server adds to spans. */
final class RunAttributes {
    static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("agentbox.run.id");
    static final AttributeKey<String> WORKSPACE_ID = AttributeKey.stringKey("agentbox.workspace.id");
    /** Marks a run's root span: {@code gen_ai.operation.name = invoke_agent}. */
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final String INVOKE_AGENT = "invoke_agent";

    private RunAttributes() {}
}
