package io.agentbox.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several requests on one client connection through the egress, by a raw client that does exactly what it
 * is told (keep-alive-client.py): what each answer says about the connection must be what the egress does
 * with it. A proxy request goes upstream with {@code Connection: close} (its connection may carry the next
 * request to another host), so the answer must say close and the connection must end cleanly after it;
 * a transparent connection stays alive on both sides. The test internet's server answers a close request
 * without saying so itself, as many servers do.
 */
class ProxyConnectionsTest {
    @RegisterExtension static final TestInternet internet = new TestInternet();
    @RegisterExtension static final TestSandboxes sandboxes = new TestSandboxes();
    private static final String KEY = "sk-test-" + UUID.randomUUID();
    private static final String PROXY = "100.64.0.1 3128";

    private static Sandbox sandbox() throws IOException {
        Sandbox s = sandboxes.create(SandboxSpec.builder().timeout(Duration.ofMinutes(2))
                .network(NetworkPolicy.allow("www.test", "secret.test"))
                .secret(SecretInjection.withValue("secret.test", "X-Api-Key", "TEST_API_KEY", KEY)).build());
        try (InputStream in = ProxyConnectionsTest.class.getResourceAsStream("keep-alive-client.py")) {
            s.files().write("/tmp/client.py", in.readAllBytes());
        }
        return s;
    }

    private static String client(Sandbox s, String args) {
        CommandResult r = s.commands().run(Command.builder("sh", "-c", "python3 /tmp/client.py " + args + " 2>&1")
                .timeout(Duration.ofSeconds(90)).build());
        return r.stdout();
    }

    @Test
    void aProxiedRequestsAnswerSaysCloseAndItsConnectionEndsCleanly() throws IOException {
        Sandbox s = sandbox();
        // a plain host (forwarded as is) and a secret host (its header injected), three requests each
        assertThat(client(s, PROXY + " http://www.test/headers 3 sequential"))
                .isEqualTo("200 close\n200 close\n200 close\nconnections 3\nend eof\n");
        String injected = "200 close\nX-Api-Key: " + KEY + "\n";
        assertThat(client(s, PROXY + " http://secret.test/headers 3 sequential"))
                .isEqualTo(injected.repeat(3) + "connections 3\nend eof\n");
    }

    @Test
    void pipelinedProxyRequestsGetOneAnswerAndAnEndNotAReset() throws IOException {
        Sandbox s = sandbox();
        // the second and third requests are never forwarded, to this upstream or any other
        assertThat(client(s, PROXY + " http://www.test/headers 3 pipelined")).isEqualTo("200 close\nconnections 1\nend eof\n");
        assertThat(client(s, PROXY + " http://secret.test/headers 3 pipelined"))
                .isEqualTo("200 close\nX-Api-Key: " + KEY + "\nconnections 1\nend eof\n");
        // a pipelined request for another host does not ride along to the first one's upstream
        String other = "printf 'GET http://www.test/headers HTTP/1.1\\r\\nHost: www.test\\r\\n\\r\\n"
                + "GET http://secret.test/headers HTTP/1.1\\r\\nHost: secret.test\\r\\n\\r\\n' > /tmp/two.txt;"
                + " python3 -c \"import socket; s = socket.create_connection(('100.64.0.1', 3128), timeout=20);"
                + " s.sendall(open('/tmp/two.txt', 'rb').read()); f = s.makefile('rb'); print(f.read().decode())\"";
        String both = s.commands().run(Command.shell(other)).stdout();
        assertThat(both).contains("Host: www.test").doesNotContain("secret.test").doesNotContain(KEY);
    }

    @Test
    void aTransparentConnectionStaysAliveOnBothSides() throws IOException {
        Sandbox s = sandbox();
        String answers = s.commands().run(Command.builder("sh", "-c", "HOST=secret.test python3 /tmp/client.py secret.test 80 /headers 3 sequential 2>&1")
                .timeout(Duration.ofSeconds(90)).build()).stdout();
        assertThat(answers).isEqualTo(("200 keep-alive\nX-Api-Key: " + KEY + "\n").repeat(3) + "connections 1\nend open\n");
    }
}
