package io.agentbox.sandbox.e2b;

import io.agentbox.sandbox.SandboxException;

/** envd answered a call with a Connect error; {@link #code()} is its code, e.g. {@code invalid_argument}. */
public final class E2bRpcException extends SandboxException {
    private final String code;

    public E2bRpcException(String code, String message) {
        super("envd: [" + code + "] " + message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
