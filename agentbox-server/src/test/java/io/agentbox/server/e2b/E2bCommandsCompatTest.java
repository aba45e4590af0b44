package io.agentbox.server.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.E2bSdk;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The official E2B JS SDK's {@code sbx.commands}, unmodified, against agentbox's E2B API. */
class E2bCommandsCompatTest extends E2bTestBase {
    private JsonNode r;

    @BeforeAll
    void runScript() {
        r = E2bSdk.run("commands.mjs", E2bSdk.env(e2bUrl, server.ownerKey()), Duration.ofMinutes(2));
    }

    @Test
    void foregroundRunWithEnvsCwdAndStreamingCallbacks() {
        assertThat(r.at("/run/exitCode").asInt()).isZero();
        // per-command envs and the sandbox's envs from create; the default cwd is the user's home, as on E2B
        assertThat(r.at("/run/stdout").asText()).isEqualTo("hi\nbar from-create\n/home/user\n");
        assertThat(r.at("/run/stderr").asText()).isEqualTo("err\n");
        assertThat(join(r.at("/run/chunks/stdout"))).isEqualTo("hi\nbar from-create\n/home/user\n");
        assertThat(join(r.at("/run/chunks/stderr"))).isEqualTo("err\n");
        assertThat(r.at("/cwd").asText()).isEqualTo("/home/user/sub\n");
        assertThat(r.at("/user").asText()).isEqualTo("user\n");
        assertThat(r.at("/root").asText()).isEqualTo("0\nroot\n");
    }

    @Test
    void outputStreamsAsItIsProduced() {
        assertThat(r.at("/streamed").asText()).isEqualTo("line1\nline2\nline3\n");
        // three lines 200 ms apart arrive as separate chunks, not as one at the end
        assertThat(r.at("/streamedChunks").asInt()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void nonZeroExitIsACommandExitErrorCarryingTheOutput() {
        assertThat(r.at("/exit3/error/name").asText()).isEqualTo("CommandExitError");
        assertThat(r.at("/exit3Detail/isCommandExitError").asBoolean()).isTrue();
        assertThat(r.at("/exit3Detail/exitCode").asInt()).isEqualTo(3);
        assertThat(r.at("/exit3Detail/stdout").asText()).isEqualTo("partial\n");
        assertThat(r.at("/exit3Detail/stderr").asText()).isEqualTo("bad\n");
        assertThat(r.at("/exit3Detail/error").asText()).isEqualTo("exit status 3");
    }

    @Test
    void aTimeoutIsATimeoutErrorAndTheCommandDoesNotOutliveIt() {
        assertThat(r.at("/timeout/thrown").asBoolean()).isTrue();
        assertThat(r.at("/timeout/isTimeoutError").asBoolean()).isTrue();
        assertThat(r.at("/timeout/ms").asLong()).isBetween(1400L, 10_000L);
        // the sleep was killed in the sandbox, not just abandoned by the client
        assertThat(r.at("/afterTimeout").asText()).isEqualTo("0");
    }

    @Test
    void backgroundCommandsAreListedKilledAndWaitedFor() {
        int pid = r.at("/bgPid").asInt();
        assertThat(pid).isPositive();
        JsonNode listed = r.at("/listed");
        assertThat(listed.isArray()).isTrue();
        assertThat(listed.findValues("pid")).extracting(JsonNode::asInt).contains(pid);
        assertThat(listed.get(0).path("cmd").asText()).isEqualTo("/bin/bash");
        assertThat(listed.get(0).path("args").toString()).isEqualTo("[\"-l\",\"-c\",\"sleep 30\"]");
        assertThat(r.at("/killed").asBoolean()).isTrue();
        assertThat(r.at("/bgWait/isCommandExitError").asBoolean()).isTrue();
        assertThat(r.at("/bgWait/exitCode").asInt()).isEqualTo(-1);
        assertThat(r.at("/bgWait/error").asText()).isEqualTo("signal: killed");
        assertThat(r.at("/killAgain").asBoolean()).isFalse();
    }

    @Test
    void stdinConnectAndCloseStdin() {
        assertThat(r.at("/stdin").asText()).isEqualTo("piped\ntwice\n");
        assertThat(r.at("/connect/stdout").asText()).isEqualTo("got late\n");
        assertThat(r.at("/connect/seen").asText()).isEqualTo("got late\n");
    }

    @Test
    void aMissingCwdIsAnInvalidArgumentError() {
        assertThat(r.at("/noCwd/error/name").asText()).isEqualTo("InvalidArgumentError");
        assertThat(r.at("/noCwd/error/message").asText()).contains("cwd '/no/such/dir' does not exist");
        assertThat(r.at("/kill").asBoolean()).isTrue();
    }

    static String join(JsonNode array) {
        StringBuilder b = new StringBuilder();
        array.forEach(n -> b.append(n.asText()));
        return b.toString();
    }
}
