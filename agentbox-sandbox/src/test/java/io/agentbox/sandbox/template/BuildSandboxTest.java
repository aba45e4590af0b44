package io.agentbox.sandbox.template;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which proxy addresses a build's egress opens (the builds themselves run in TemplateBuildIsolationTest). */
class BuildSandboxTest {
    @Test
    void onlyTheProxiesOwnAddressesAreOpenedAndNeverLoopback() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("http_proxy", "http://10.1.2.3:3128");
        env.put("HTTPS_PROXY", "http://builder:secret@192.168.7.9:3129/");
        env.put("https_proxy", "10.1.2.3:3128");
        env.put("HTTP_PROXY", "http://127.0.0.1:8080");
        env.put("no_proxy", "10.9.9.9,localhost");
        env.put("NO_PROXY", "");
        assertThat(BuildSandbox.proxyCidrs(env)).containsExactly("10.1.2.3/32", "192.168.7.9/32");
    }

    @Test
    void proxyValuesThatAreNoUrlOpenNothing() {
        assertThat(BuildSandbox.proxyCidrs(Map.of("http_proxy", "http://[::1]:3128", "https_proxy", "%%%", "HTTP_PROXY", " "))).isEmpty();
        assertThat(BuildSandbox.proxyCidrs(Map.of("http_proxy", "http://[fd00::5]:3128"))).containsExactly("fd00:0:0:0:0:0:0:5/128");
    }
}
