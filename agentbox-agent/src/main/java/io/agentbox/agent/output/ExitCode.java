package io.agentbox.agent.output;

import io.agentbox.ErrorCategory;
import io.agentbox.agent.AgentErrorCategory;
import io.agentbox.agent.AgentResult;

/**
 * Process exit codes of a run.
 * <table>
 * <tr><td>0</td><td>succeeded</td></tr>
 * <tr><td>1</td><td>internal error (a bug, or a failure of no other kind)</td></tr>
 * <tr><td>2</td><td>configuration or usage error (e.g. no {@code ANTHROPIC_API_KEY}); nothing was sent to the model</td></tr>
 * <tr><td>3</td><td>{@code max_turns}: the turn limit was reached</td></tr>
 * <tr><td>4</td><td>{@code budget_exceeded}: the USD budget was spent</td></tr>
 * <tr><td>5</td><td>{@code timeout}: the wall-clock limit was reached</td></tr>
 * <tr><td>6</td><td>model API error ({@code api_error}, {@code api_rate_limit}, {@code api_overloaded}) after the last retry</td></tr>
 * <tr><td>7</td><td>{@code api_auth}: the API key or token was refused</td></tr>
 * <tr><td>8</td><td>{@code sandbox_error}: the sandbox could not be created or used</td></tr>
 * <tr><td>130</td><td>{@code canceled} (Ctrl-C, like a shell's 128 + SIGINT)</td></tr>
 * </table>
 */
public enum ExitCode {
    SUCCESS(0), INTERNAL(1), CONFIG(2), MAX_TURNS(3), BUDGET_EXCEEDED(4), TIMEOUT(5), API_ERROR(6), API_AUTH(7),
    SANDBOX_ERROR(8), CANCELED(130);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ExitCode of(AgentResult result) {
        return result.error().map(e -> of(e.category())).orElse(SUCCESS);
    }

    public static ExitCode of(ErrorCategory category) {
        return switch (category) {
            case ErrorCategory.Common c -> switch (c) {
                case CONFIG -> CONFIG;
                case SANDBOX_ERROR -> SANDBOX_ERROR;
                case CANCELED -> CANCELED;
                case INTERNAL -> INTERNAL;
            };
            case AgentErrorCategory a -> switch (a) {
                case MAX_TURNS -> MAX_TURNS;
                case BUDGET_EXCEEDED -> BUDGET_EXCEEDED;
                case TIMEOUT -> TIMEOUT;
                case API_ERROR, API_RATE_LIMIT, API_OVERLOADED -> API_ERROR;
                case API_AUTH -> API_AUTH;
                case TOOL_ERROR -> INTERNAL;
            };
            default -> INTERNAL; // a category of another module
        };
    }
}
