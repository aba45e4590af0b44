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

    private Sandbox secretSandbox(NetworkPolicy policy) {
        return sandboxes.create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).network(policy)
                .secret(SecretInjection.withValue("secret.test", "X-Api-Key", "TEST_API_KEY", KEY)).build());
    }

    private void trustTestCa(Sandbox s) throws IOException {
        s.files().write("/tmp/test-ca.crt", java.nio.file.Files.readString(internet.caFile()));
    }

    @Test
    void theSecretHostSeesTheRealHeaderOverHttpAndHttpsAndNoOtherHostDoes() throws IOException {
        Sandbox s = secretSandbox(NetworkPolicy.allow("www.test", "secret.test"));
        trustTestCa(s);
        String curl = "curl -sS --max-time 10 ";
        String header = "X-Api-Key: " + KEY;
        // through the proxy (absolute-form HTTP, CONNECT for HTTPS) and transparently
        assertThat(sh(s, curl + "http://secret.test/headers")).contains(header);
        assertThat(sh(s, curl + "https://secret.test/headers")).contains(header);
        assertThat(sh(s, curl + "--noproxy '*' https://secret.test/headers")).contains(header);
        // every request of a kept-alive connection, the sandbox's own value replaced
        for (String scheme : List.of("http", "https")) {
            String two = sh(s, curl + "--noproxy '*' -H 'X-Api-Key: from-the-sandbox' " + scheme + "://secret.test/headers " + scheme + "://secret.test/headers");
            assertThat(two.split(java.util.regex.Pattern.quote(header), -1)).as(two).hasSize(3);
            assertThat(two).doesNotContain("from-the-sandbox");
        }
        // POST bodies pass (framing kept)
        assertThat(sh(s, curl + "--noproxy '*' -d 'body-of-the-request' https://secret.test/post")).contains(header).endsWith("body-of-the-request");
        // other hosts: no header, and HTTPS spliced end to end (only the test CA's certificate verifies)
        for (String url : List.of("http://www.test/headers", "https://www.test/headers")) {
            for (String mode : List.of("", "--noproxy '*' ")) {
                String out = sh(s, curl + "--cacert /tmp/test-ca.crt " + mode + url);
                assertThat(out).as(mode + url).contains("Host: www.test").doesNotContain(KEY).doesNotContainIgnoringCase("x-api-key");
            }
        }
    }

    @Test
    void theSandboxHoldsOnlyThePlaceholderAndNoFileHoldsTheSecret() throws IOException {
        Sandbox s = secretSandbox(NetworkPolicy.open());
        assertThat(sh(s, "curl -sS --max-time 10 https://secret.test/headers")).contains("X-Api-Key: " + KEY);
        Command.Builder root = Command.builder("sh", "-c", "env; echo; cat /proc/*/environ | tr '\\0' '\\n'; echo; echo TEST_API_KEY=$TEST_API_KEY;"
                + " echo grep-start; grep -rlsF -e " + KEY + " / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev; echo grep-rc=$?").asRoot();
        String out = s.commands().run(root.timeout(Duration.ofSeconds(90)).build()).stdout();
        // grep lists no file (rc 1: no match; 2: some files unreadable, none matched)
        assertThat(out).contains("TEST_API_KEY=agentbox-secret-placeholder").containsPattern("grep-start\ngrep-rc=[12]\n").doesNotContain(KEY);
        // nor any file on the host side: the state directory records names, the value lives in the egress's memory
        try (var files = java.nio.file.Files.walk(sandboxes.home())) {
            for (java.nio.file.Path f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                assertThat(new String(java.nio.file.Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(KEY);
            }
        }
    }

    @Test
    void anUpstreamWithAnUntrustedCertificateIsRefused() {
        String ca = System.getProperty("AGENTBOX_EGRESS_CA_FILE");
        Sandbox s;
        try {
            System.clearProperty("AGENTBOX_EGRESS_CA_FILE"); // the egress of this sandbox trusts the system roots only
            s = secretSandbox(NetworkPolicy.open());
        } finally {
            System.setProperty("AGENTBOX_EGRESS_CA_FILE", ca);
        }
        String out = sh(s, "curl -sS --max-time 10 -i https://secret.test/headers 2>&1");
        assertThat(out).contains("502").contains("not trusted").doesNotContain(KEY);
        assertThat(s.networkAudit()).anySatisfy(e -> {
            assertThat(e.host()).contains("secret.test");
            assertThat(e.decision()).isEqualTo("denied");
            assertThat(e.reason()).startsWith("upstream certificate not trusted");
        });
    }

    @Test
    void anEgressThatRestartedWithoutTheSecretRefusesItsHost() {
        NetworkPolicy policy = NetworkPolicy.allow("www.test", "secret.test");
        Sandbox s = secretSandbox(policy);
        assertThat(sh(s, "curl -sS --max-time 10 http://secret.test/headers")).contains("X-Api-Key: " + KEY);
        ProcessHandle egress = ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(sandboxes.home().toString())
                        && List.of(a).contains("io.agentbox.sandbox.net.EgressDaemon")).orElse(false))
                .findFirst().orElseThrow();
        egress.destroyForcibly();
        egress.onExit().join();
        s.setNetwork(policy); // starts a new egress, which has no value for the rule
        for (String mode : List.of("", "--noproxy '*' ")) {
            String out = sh(s, "curl -sS --max-time 10 " + mode + "http://secret.test/headers 2>&1");
            assertThat(out).as(mode).contains("not available").doesNotContain("X-Api-Key").doesNotContain("placeholder");
            assertThat(sh(s, "curl -sS --max-time 10 " + mode + "https://secret.test/headers 2>&1; echo rc=$?")).doesNotContain("rc=0");
        }
        assertThat(sh(s, "curl -sS --max-time 10 http://www.test/")).contains("host www.test");
        assertThat(s.networkAudit()).anySatisfy(e -> {
            assertThat(e.host()).contains("secret.test");
            assertThat(e.reason()).startsWith("secret not available to the egress");
        });
    }

    @Test
    void nodeReachesARouteAndASecretHostOverHttps() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().timeout(Duration.ofMinutes(2))
                .network(NetworkPolicy.allow("secret.test"))
                .route(ROUTE, modelUri("/base"))
                .secret(SecretInjection.withValue(ROUTE, "x-api-key", "ANTHROPIC_API_KEY", KEY))
                .secret(SecretInjection.withValue("secret.test", "X-Api-Key", "TEST_API_KEY", KEY)).build());
        // fetch ignores the proxy variables, so this is the transparent path; the sandbox CA comes from NODE_EXTRA_CA_CERTS
        String js = "(async () => {\n"
                + "  const a = await (await fetch('http://" + ROUTE + "/v1/messages', {method: 'POST', body: '{}', headers: {'x-api-key': 'placeholder'}})).text();\n"
                + "  const b = await (await fetch('https://secret.test/headers')).text();\n"
                + "  console.log(a.trim() + ' | ' + b.includes('X-Api-Key: " + KEY + "'));\n"
                + "})().catch(e => { console.log('failed', e.cause || e); });\n";
        s.files().write("/tmp/t.js", js);
        assertThat(sh(s, "node /tmp/t.js 2>&1")).isEqualTo("model saw /base/v1/messages | true\n");
        assertThat(seen).containsExactly("/base/v1/messages " + KEY + " 127.0.0.1:" + model.getAddress().getPort());
    }

    @Test
    void specsWithRoutesAreNeverServedFromAPool() {
        Pool pool = Pool.of("host", 1).network(NetworkPolicy.open());
        SandboxSpec.Builder b = SandboxSpec.builder().network(NetworkPolicy.open());
        assertThat(pool.serves(b.build())).isTrue();
        assertThat(pool.serves(b.route(ROUTE, URI.create("http://127.0.0.1:1")).build())).isFalse();
    }

    @Test
    void badRoutesAreRefusedClearly() {
        SandboxSpec.Builder open = SandboxSpec.builder().network(NetworkPolicy.open());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SandboxSpec.builder().route(ROUTE, URI.create("http://127.0.0.1:1")).build())
                .hasMessageContaining("routes need a network");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> open.build().toBuilder().route("nodot", URI.create("http://127.0.0.1:1")).build())
                .hasMessageContaining("route host");
        for (String bad : List.of("ftp://a.test/", "http:relative", "http://user:pw@a.test/", "https://a.test/?q=1")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> open.build().toBuilder().route(ROUTE, URI.create(bad)).build())
                    .as(bad).hasMessageContaining("route target");
        }
    }

    @Test
    void theE2bProviderRefusesSecretsAndRoutesInsteadOfDroppingThem() {
        SandboxProvider e2b = io.agentbox.sandbox.e2b.E2bSandboxProvider.builder().apiKey("e2b_unused")
                .apiUrl("http://127.0.0.1:9").sandboxUrl("http://127.0.0.1:9").build();
        SandboxSpec.Builder open = SandboxSpec.builder().network(NetworkPolicy.open());
        for (SandboxSpec spec : List.of(open.build().toBuilder().route(ROUTE, URI.create("http://127.0.0.1:1")).build(),
                open.build().toBuilder().secret(SecretInjection.withValue("api.test", "x-api-key", "K", KEY)).build())) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> e2b.create(spec)).isInstanceOf(SandboxException.class)
                    .hasMessageContaining("neither secrets nor routes");
        }
    }
}
