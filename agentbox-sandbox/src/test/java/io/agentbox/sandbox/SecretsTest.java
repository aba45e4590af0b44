package io.agentbox.sandbox;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** Secrets injected at the egress, and routes to operator-chosen targets, against the test internet and a host-loopback server. */
class SecretsTest {
    @RegisterExtension static final TestInternet internet = new TestInternet();
    @RegisterExtension static final TestSandboxes sandboxes = new TestSandboxes();
    private static final String ROUTE = "api.route.agentbox";
    private static final String KEY = "sk-test-" + java.util.UUID.randomUUID();

    /** What the host-loopback server saw: "path key" per request. */
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean releasedInTime = new AtomicBoolean();
    private HttpServer model;

    @BeforeEach
    void startModel() throws IOException {
        model = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        model.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        model.createContext("/", ex -> {
            seen.add(ex.getRequestURI().getPath() + " " + ex.getRequestHeaders().getFirst("x-api-key") + " " + ex.getRequestHeaders().getFirst("Host"));
            String path = ex.getRequestURI().getPath();
            if (path.endsWith("/release")) release.countDown();
            if (path.endsWith("/stream")) {
                ex.getResponseHeaders().add("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write("data: one\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    // the rest only once the sandbox has read the first event: a buffering egress never gets here in time
                    releasedInTime.set(release.await(15, TimeUnit.SECONDS));
                    out.write("data: two\n\n".getBytes(StandardCharsets.UTF_8));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            byte[] body = ("model saw " + path + "\n").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        model.start();
    }

    @AfterEach
    void stopModel() {
        model.stop(0);
    }

    private URI modelUri(String prefix) {
        return URI.create("http://127.0.0.1:" + model.getAddress().getPort() + prefix);
    }

    private static String sh(Sandbox s, String script) {
        return s.commands().run(Command.shell(script)).stdout();
    }

    @Test
    void aRouteForwardsPlainHttpToItsTargetWithTheSecretAndStreams() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().timeout(Duration.ofMinutes(2))
                .network(NetworkPolicy.allow("www.test"))
                .route(ROUTE, modelUri("/prefix"))
                .secret(SecretInjection.withValue(ROUTE, "x-api-key", "ANTHROPIC_API_KEY", KEY))
                .env("ANTHROPIC_BASE_URL", "http://" + ROUTE).build());
        // through the proxy variables (curl honours them in allow mode)
        assertThat(sh(s, "curl -sS --max-time 10 \"$ANTHROPIC_BASE_URL/v1/x\"")).isEqualTo("model saw /prefix/v1/x\n");
        // transparently, two requests on one kept-alive connection, the sandbox's own value replaced
        assertThat(sh(s, "curl -sS --max-time 10 --noproxy '*' -H 'x-api-key: from-the-sandbox' http://" + ROUTE + "/v1/y http://" + ROUTE + "/v1/z"))
                .isEqualTo("model saw /prefix/v1/y\nmodel saw /prefix/v1/z\n");
        String authority = "127.0.0.1:" + model.getAddress().getPort();
        assertThat(seen).containsExactly("/prefix/v1/x " + KEY + " " + authority, "/prefix/v1/y " + KEY + " " + authority,
                "/prefix/v1/z " + KEY + " " + authority);
        assertThat(sh(s, "getent hosts " + ROUTE)).contains("100.64.0.80");
        assertThat(sh(s, "echo \"$ANTHROPIC_API_KEY\"")).isEqualTo("agentbox-secret-placeholder\n");

        // a streamed response flows through as it is written
        String py = "import urllib.request as u\n"
                + "r = u.urlopen('http://" + ROUTE + "/v1/stream', timeout=30)\n"
                + "first = r.readline()\n"
                + "u.urlopen('http://" + ROUTE + "/v1/release', timeout=10).read()\n"
                + "print(first.decode().strip(), '|', r.read().decode().strip())\n";
        s.files().write("/tmp/stream.py", py);
        assertThat(sh(s, "python3 /tmp/stream.py 2>&1")).isEqualTo("data: one | data: two\n");
        assertThat(releasedInTime).isTrue();
    }

    @Test
    void aRouteWorksInOpenModeAndOnlyOnPort80() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).network(NetworkPolicy.open())
                .route(ROUTE, modelUri("")).build());
        assertThat(sh(s, "curl -sS --max-time 10 http://" + ROUTE + "/v1/messages")).isEqualTo("model saw /v1/messages\n");
        assertThat(seen).containsExactly("/v1/messages null 127.0.0.1:" + model.getAddress().getPort());
        // the route address is no way to anything else
        assertThat(sh(s, "curl -sS --max-time 5 http://" + ROUTE + ":8080/ 2>&1; echo rc=$?")).doesNotContain("rc=0");
        assertThat(sh(s, "curl -sS --max-time 5 -H 'Host: www.test' http://100.64.0.80/ 2>&1; echo rc=$?")).doesNotContain("hello");
        assertThat(seen).hasSize(1);
    }
}
