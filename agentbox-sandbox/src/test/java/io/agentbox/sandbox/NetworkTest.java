package io.agentbox.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** The sandbox's private network against the test internet: open, allow, audit, live updates. */
class NetworkTest {
    @RegisterExtension static final TestInternet internet = new TestInternet();
    @RegisterExtension static final TestSandboxes sandboxes = new TestSandboxes();

    private Sandbox create(NetworkPolicy policy) {
        return sandboxes.create(SandboxSpec.builder().timeout(Duration.ofMinutes(2)).network(policy).build());
    }

    private static CommandResult sh(Sandbox s, String script) {
        return s.commands().run(Command.shell(script));
    }

    private static String tcpEcho(String host) {
        return "python3 -c \"import socket;s=socket.create_connection(('" + host + "',7),timeout=5);s.sendall(b'ping-tcp');print(s.recv(100).decode())\" 2>&1";
    }

    private static String udpEcho(String host) {
        return "python3 -c \"import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(3);s.sendto(b'ping-udp',('" + host
                + "',7));print(s.recvfrom(100)[0].decode())\" 2>&1";
    }

    private void trustTestCa(Sandbox s) throws IOException {
        s.files().write("/tmp/test-ca.crt", java.nio.file.Files.readString(internet.caFile()));
    }

    @Test
    void openReachesTheTestInternetOverHttpHttpsTcpAndUdp() throws IOException {
        Sandbox s = create(NetworkPolicy.open());
        trustTestCa(s);
        assertThat(sh(s, "curl -sS --max-time 10 http://www.test/").stdout()).contains("hello from the test internet, host www.test");
        assertThat(sh(s, "curl -sS --max-time 10 --cacert /tmp/test-ca.crt https://www.test/").stdout()).contains("host www.test");
        assertThat(sh(s, tcpEcho("www.test")).stdout()).contains("ping-tcp");
        assertThat(sh(s, udpEcho("www.test")).stdout()).contains("ping-udp");
        assertThat(sh(s, "getent hosts api.test").stdout()).contains(internet.serverAddress());
        // an address literal works too in open mode
        assertThat(sh(s, "curl -sS --max-time 10 http://" + internet.serverAddress() + "/").stdout()).contains("hello");
    }

    @Test
    void openReachesNeitherTheHostNorAnotherSandbox() throws IOException {
        try (ServerSocket host = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"))) {
            int port = host.getLocalPort();
            Sandbox s = create(NetworkPolicy.open());
            Sandbox other = create(NetworkPolicy.open());
            other.commands().start(Command.shell("python3 -m http.server 8765 --bind 0.0.0.0 >/dev/null 2>&1"));
            waitUntil(() -> sh(other, "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8765/").stdout().equals("200"));

            for (String addr : hostAddresses()) {
                String out = sh(s, "curl -sS --max-time 5 http://" + bracket(addr) + ":" + port + "/ 2>&1; echo rc=$?").stdout();
                assertThat(out).as("host address %s", addr).doesNotContain("rc=0");
            }
            assertThat(sh(s, "curl -sS --max-time 5 http://" + internet.hostAddress() + ":" + port + "/ 2>&1; echo rc=$?").stdout()).doesNotContain("rc=0");
            assertThat(sh(s, "curl -sS --max-time 5 http://" + TestInternet.HOST_NAME + ":" + port + "/ 2>&1; echo rc=$?").stdout()).doesNotContain("rc=0");
            assertThat(sh(s, "curl -sS --max-time 5 http://127.0.0.1:" + port + "/ 2>&1; echo rc=$?").stdout()).doesNotContain("rc=0");
            assertThat(sh(s, "curl -sS --max-time 5 http://169.254.169.254/ 2>&1; echo rc=$?").stdout()).doesNotContain("rc=0");
            // the other sandbox's server is on its own loopback, which no one else has
            assertThat(sh(s, "curl -sS --max-time 5 http://127.0.0.1:8765/ 2>&1; echo rc=$?").stdout()).doesNotContain("rc=0");

            List<NetworkAuditEntry> audit = s.networkAudit();
            assertThat(audit).anySatisfy(e -> {
                assertThat(e.ip()).contains(internet.hostAddress());
                assertThat(e.decision()).isEqualTo("denied");
                assertThat(e.reason()).isEqualTo("address of the host");
                assertThat(e.port()).isEqualTo(port);
                assertThat(e.protocol()).isEqualTo("tcp");
            });
            assertThat(audit).anySatisfy(e -> assertThat(e.reason()).isEqualTo("link-local address"));
            assertThat(audit).anySatisfy(e -> assertThat(e.host()).contains(TestInternet.HOST_NAME));
        }
    }

    @Test
    void allowReachesListedNamesWithAndWithoutTheProxyAndRefusesTheRest() throws IOException {
        Sandbox s = create(NetworkPolicy.allow("www.test", "*.www.test", TestInternet.LOOPBACK_NAME, TestInternet.HOST_NAME).deny("deny.sub.www.test"));
        trustTestCa(s);
        String curl = "curl -sS --max-time 10 --cacert /tmp/test-ca.crt ";
        // through the proxy variables (curl honours them) and transparently (--noproxy)
        assertThat(sh(s, curl + "http://www.test/").stdout()).contains("host www.test");
        assertThat(sh(s, curl + "https://www.test/").stdout()).contains("host www.test");
        assertThat(sh(s, curl + "--noproxy '*' http://www.test/").stdout()).contains("host www.test");
        assertThat(sh(s, curl + "--noproxy '*' https://sub.www.test/").stdout()).contains("host sub.www.test");
        assertThat(sh(s, "python3 -c \"import urllib.request as u;print(u.urlopen('http://sub.www.test/',timeout=10).read().decode())\"").stdout())
                .contains("host sub.www.test");

        for (String refused : List.of("http://other.test/", "https://other.test/", "http://deny.sub.www.test/",
                "http://" + internet.serverAddress() + "/", "https://" + internet.serverAddress() + "/",
                "http://" + TestInternet.LOOPBACK_NAME + "/", "http://" + TestInternet.HOST_NAME + "/")) {
            for (String mode : List.of("", "--noproxy '*' ")) {
                String out = sh(s, curl + "-f " + mode + refused + " 2>&1; echo rc=$?").stdout();
                assertThat(out).as("%s%s", mode, refused).doesNotContain("hello from the test internet").doesNotContain("rc=0");
            }
        }
        assertThat(sh(s, udpEcho("www.test")).stdout()).doesNotContain("ping-udp");
        assertThat(sh(s, tcpEcho("www.test")).stdout()).doesNotContain("ping-tcp");
        assertThat(sh(s, "getent hosts other.test; echo rc=$?").stdout()).contains("rc=2").doesNotContain(internet.serverAddress());
        assertThat(sh(s, "getent hosts www.test").stdout()).contains(internet.serverAddress());

        List<NetworkAuditEntry> audit = s.networkAudit();
        assertThat(audit).allSatisfy(e -> assertThat(e.decision()).isEqualTo("denied"));
        assertDenied(audit, e -> e.host().equals(java.util.Optional.of("other.test")) && e.protocol().equals("dns"), "not in the allow list");
        assertDenied(audit, e -> e.host().equals(java.util.Optional.of("other.test")) && e.protocol().equals("tls"), "not in the allow list");
        assertDenied(audit, e -> e.host().equals(java.util.Optional.of("deny.sub.www.test")), "in the deny list");
        assertDenied(audit, e -> e.host().equals(java.util.Optional.of(internet.serverAddress())), "IP literal");
        assertDenied(audit, e -> e.protocol().equals("udp"), "UDP is not allowed (only DNS)");
        assertDenied(audit, e -> e.protocol().equals("tcp") && e.port() == 7, "not HTTP or TLS");
        assertThat(audit).anySatisfy(e -> {
            assertThat(e.host()).contains(TestInternet.LOOPBACK_NAME);
            assertThat(e.reason()).startsWith("resolves to a blocked address");
        });
        assertThat(audit).anySatisfy(e -> {
            assertThat(e.host()).contains(TestInternet.HOST_NAME);
            assertThat(e.reason()).contains("address of the host");
        });
    }

    @Test
    void liveUpdatesApplyToNewConnectionsAndAuditAllRecordsAllowedOnes() {
        Sandbox s = sandboxes.create(SandboxSpec.builder().network(NetworkPolicy.open()).auditAll(true).build());
        assertThat(sh(s, "curl -sS --max-time 10 http://other.test/").stdout()).contains("host other.test");
        s.setNetwork(NetworkPolicy.allow("www.test"));
        assertThat(s.info().network()).isEqualTo(NetworkPolicy.allow("www.test"));
        assertThat(sh(s, "curl -sS --max-time 10 --noproxy '*' http://other.test/ 2>&1").stdout()).doesNotContain("hello");
        assertThat(sh(s, "curl -sS --max-time 10 --noproxy '*' http://www.test/").stdout()).contains("host www.test");
        s.setNetwork(NetworkPolicy.none());
        assertThat(sh(s, "curl -sS --max-time 10 --noproxy '*' http://www.test/ 2>&1; echo rc=$?").stdout()).doesNotContain("hello");
        s.setNetwork(NetworkPolicy.open());
        assertThat(sh(s, "curl -sS --max-time 10 --noproxy '*' http://other.test/").stdout()).contains("host other.test");

        List<NetworkAuditEntry> audit = s.networkAudit();
        assertThat(audit).anySatisfy(e -> {
            assertThat(e.decision()).isEqualTo("allowed");
            assertThat(e.host()).contains("other.test");
        });
        assertDenied(audit, e -> e.host().equals(java.util.Optional.of("other.test")), "not in the allow list");
        assertDenied(audit, e -> e.host().equals(java.util.Optional.of("www.test")), "network is none");
    }

    @Test
    void aSandboxCreatedWithoutNetworkGetsOneOnItsFirstUpdate() {
        Sandbox s = create(NetworkPolicy.none());
        assertThat(sh(s, "curl -sS --max-time 5 http://www.test/ 2>&1; echo rc=$?").stdout()).doesNotContain("hello");
        s.setNetwork(NetworkPolicy.allow("www.test"));
        assertThat(sh(s, "curl -sS --max-time 10 http://www.test/").stdout()).contains("host www.test");
        assertThat(sh(s, "curl -sS --max-time 10 http://api.test/ 2>&1").stdout()).doesNotContain("hello");
    }

    private static void assertDenied(List<NetworkAuditEntry> audit, Predicate<NetworkAuditEntry> which, String reason) {
        assertThat(audit).filteredOn(which::test).as("audit %s", audit).isNotEmpty()
                .anySatisfy(e -> {
                    assertThat(e.decision()).isEqualTo("denied");
                    assertThat(e.reason()).isEqualTo(reason);
                });
    }

    private static List<String> hostAddresses() throws IOException {
        return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(ni -> Collections.list(ni.getInetAddresses()).stream())
                .filter(a -> a instanceof java.net.Inet4Address)
                .map(InetAddress::getHostAddress).toList();
    }

    private static String bracket(String a) {
        return a.contains(":") ? "[" + a + "]" : a;
    }

    private static void waitUntil(java.util.function.BooleanSupplier cond) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (cond.getAsBoolean()) return;
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
        }
        throw new AssertionError("condition not met in time");
    }
}
