package io.agentbox.server.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.E2bSdk;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code @e2b/code-interpreter}'s {@code runCode} and code contexts, unmodified, over a real IPython kernel in the sandbox. */
class E2bCodeInterpreterCompatTest extends E2bTestBase {
    private JsonNode r;

    @BeforeAll
    void runScript() {
        r = E2bSdk.run("code.mjs", E2bSdk.env(e2bUrl, server.ownerKey()), Duration.ofMinutes(3));
        assertThat(r.path("fatal").isMissingNode()).as(r.toString()).isTrue();
    }

    @Test
    void runCodeStreamsStdoutAndReturnsTheCellsValue() {
        assertThat(r.at("/first/text").asText()).isEqualTo("42");
        assertThat(r.at("/first/stdout/0").asText()).isEqualTo("hello from the kernel\n");
        assertThat(r.at("/first/streamed/0").asText()).isEqualTo("hello from the kernel\n");
        assertThat(r.at("/first/count").asInt()).isEqualTo(1);
        assertThat(r.at("/first/error").isNull()).isTrue();
    }

    @Test
    void theKernelKeepsItsStateAndReportsErrorsAsExecutionErrors() {
        assertThat(r.at("/state").asText()).isEqualTo("43");
        assertThat(r.at("/error/name").asText()).isEqualTo("ValueError");
        assertThat(r.at("/error/value").asText()).isEqualTo("bad input");
        assertThat(r.at("/error/hasTraceback").asBoolean()).isTrue();
    }

    @Test
    void envsApplyToOneCallOnly() {
        assertThat(r.at("/env").asText()).isEqualTo("'hi there'");
        assertThat(r.at("/envAfter").asText()).isEqualTo("'None'");
    }

    @Test
    void displayDataIsAResultBesideTheMainOne() {
        assertThat(r.at("/display/0/main").asBoolean()).isFalse();
        assertThat(r.at("/display/0/html").asText()).isEqualTo("<b>bold</b>");
        assertThat(r.at("/display/1/main").asBoolean()).isTrue();
        assertThat(r.at("/display/1/text").asText()).isEqualTo("'done'");
        assertThat(r.at("/onResult").toString()).isEqualTo("[false,true]");
    }

    @Test
    void aCellWhoseClientGaveUpIsInterruptedSoTheNextOneRuns() {
        assertThat(r.at("/slow/ok").asBoolean()).isFalse();
        assertThat(r.at("/slow/error/name").asText()).isEqualTo("TimeoutError");
        assertThat(r.at("/afterSlow").asText()).isEqualTo("'next'");
        // well before the 600 s sleep would have ended
        assertThat(r.at("/afterSlowMs").asLong()).isLessThan(120_000);
    }

    @Test
    void theKernelRunsInsideTheSandboxAsItsUser() {
        assertThat(r.at("/whoami").asText()).isEqualTo("'user /home/user'");
        assertThat(r.at("/fileSeenByCommands").asText()).isEqualTo("kernel");
    }

    @Test
    void contextsAreSeparateKernelsThatRestartAndGoAway() {
        assertThat(r.at("/ctx/language").asText()).isEqualTo("python");
        assertThat(r.at("/ctx/cwd").asText()).isEqualTo("/tmp");
        assertThat(r.at("/ctx/hasId").asBoolean()).isTrue();
        assertThat(r.at("/ctxIsolated").asText()).isEqualTo("'/tmp False'");
        assertThat(r.at("/listed").asBoolean()).isTrue();
        assertThat(r.at("/afterRestart").asText()).isEqualTo("False");
        assertThat(r.at("/removed/ok").asBoolean()).isFalse();
        assertThat(r.at("/removed/error/name").asText()).isEqualTo("NotFoundError");
        assertThat(r.at("/badLanguage/ok").asBoolean()).isFalse();
        assertThat(r.at("/badLanguage/error/name").asText()).isEqualTo("SandboxError");
    }

    @Test
    void aKilledSandboxAnswersAsE2bDoes() {
        assertThat(r.at("/afterKill/ok").asBoolean()).isFalse();
        assertThat(r.at("/afterKill/error/name").asText()).isIn("TimeoutError", "NotFoundError");
    }
}
