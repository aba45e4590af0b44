package io.agentbox.server.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.E2bSdk;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Sandbox lifecycle through the official E2B JS SDK, unmodified, against agentbox's E2B API. */
class E2bSandboxesCompatTest extends E2bTestBase {
    private JsonNode r;

    @BeforeAll
    void runScript() {
        r = E2bSdk.run("sandboxes.mjs", E2bSdk.env(e2bUrl, server.ownerKey()), Duration.ofMinutes(2));
    }

    @Test
    void createAndGetInfo() {
        String a = r.at("/ids/0").asText();
        assertThat(a).matches("sbx_[a-z0-9]{20}");
        assertThat(r.at("/info/sandboxId").asText()).isEqualTo(a);
        assertThat(r.at("/info/templateId").asText()).isEqualTo("base");
        assertThat(r.at("/info/state").asText()).isEqualTo("running");
        assertThat(r.at("/info/metadata").size()).isEqualTo(2);
        assertThat(r.at("/info/metadata/name").asText()).isEqualTo("a b");
        assertThat(r.at("/info/metadata/suite").asText()).startsWith("t");
        Instant started = Instant.parse(r.at("/info/startedAt").asText());
        Instant end = Instant.parse(r.at("/info/endAt").asText());
        // timeoutMs: 90_000 is the lifetime
        assertThat(Duration.between(started, end).toSeconds()).isBetween(89L, 91L);
        assertThat(r.at("/staticInfo/name").asText()).isEqualTo("b");
        assertThat(r.at("/running").asBoolean()).isTrue();
    }

    @Test
    void setTimeoutAndConnect() {
        Instant started = Instant.parse(r.at("/info/startedAt").asText());
        Instant end = Instant.parse(r.at("/endAfterSetTimeout").asText());
        assertThat(Duration.between(started, end).toSeconds()).isBetween(595L, 700L);
        assertThat(r.at("/connectedSame").asBoolean()).isTrue();
        // the envs given at create apply to commands of a connected handle too
        assertThat(r.at("/connectedEnv").asText()).isEqualTo("1\n");
    }

    @Test
    void listFiltersByMetadataAndPages() {
        String a = r.at("/ids/0").asText();
        assertThat(r.at("/filtered").toString()).isEqualTo("[\"" + a + "\"]");
        JsonNode pages = r.at("/pages");
        assertThat(pages).hasSize(2);
        assertThat(pages.get(0)).hasSize(2);
        assertThat(pages.get(1)).hasSize(1);
        assertThat(pages.toString()).contains(r.at("/ids/0").asText(), r.at("/ids/1").asText(), r.at("/ids/2").asText());
        assertThat(r.at("/listed/state").asText()).isEqualTo("running");
        assertThat(r.at("/listed/templateId").asText()).isEqualTo("base");
    }

    @Test
    void killOnAnInstanceAndStaticallyThenNotFound() {
        assertThat(r.at("/killInstance").asBoolean()).isTrue();
        assertThat(r.at("/killStatic").asBoolean()).isTrue();
        assertThat(r.at("/killAgain").asBoolean()).isFalse();
        assertThat(r.at("/runningAfterKill").asBoolean()).isFalse();
        assertThat(r.at("/connectKilled/error/name").asText()).isEqualTo("SandboxNotFoundError");
        assertThat(r.at("/infoKilled/error/name").asText()).isEqualTo("SandboxNotFoundError");
        assertThat(r.at("/commandOnKilled/error/name").asText()).isEqualTo("SandboxNotFoundError");
        assertThat(r.at("/afterKill").toString()).isEqualTo("[\"" + r.at("/ids/0").asText() + "\"]");
        assertThat(r.at("/killA").asBoolean()).isTrue();
    }

    @Test
    void anUnknownTemplateIsNotFound() {
        assertThat(r.at("/unknownTemplate/error/message").asText()).startsWith("404: template 'no-such-template' not found");
    }
}
