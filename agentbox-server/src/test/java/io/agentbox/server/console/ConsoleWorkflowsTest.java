package io.agentbox.server.console;

import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** More of what people do in the console: sessions, killing sandboxes, revoking keys, the keyboard, filters. */
class ConsoleWorkflowsTest extends ConsoleBrowserTest {

    @Test
    void aSessionIsStartedAndContinuedFromTheForm() {
        signIn(server.url(), server.ownerKey());
        page.open(server.url() + "/#/start");
        page.select("#session", "new");
        page.type("#prompt", "say first turn");
        page.click("#start-submit");
        page.waitFor("location.hash.startsWith('#/runs/run_')", "the first turn's page");
        page.waitFor("document.querySelector('h1 [data-status=succeeded]')", "the first turn to succeed");
        String first = page.eval("location.hash.slice(7)").asText();
        String session = server.owner().get("/v1/runs/" + first).json().get("sessionId").asText();
        assertThat(session).startsWith("ses_");
        page.click("#continue-session");
        page.waitFor("document.querySelector('#session')?.value === " + BrowserPage.js(session), "the session to be chosen");
        page.type("#prompt", "say second turn");
        page.click("#start-submit");
        page.waitFor("location.hash.startsWith('#/runs/run_') && location.hash.slice(7) !== " + BrowserPage.js(first), "the second turn's page");
        page.waitFor("document.querySelector('h1 [data-status=succeeded]')", "the second turn to succeed");
        assertThat(page.text("[data-kind=text]")).isEqualTo("second turn");
        assertThat(server.owner().get("/v1/sessions/" + session).json().get("turns").asInt()).isEqualTo(2);
        assertThat(server.owner().delete("/v1/sessions/" + session).status()).isIn(200, 204);
    }

    @Test
    void aSandboxIsKilledFromThePageAfterAConfirmation() {
        var created = server.owner().post("/v1/sandboxes", Map.of("timeout", "5m"));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String id = created.json().get("id").asText();
        signIn(server.url(), server.ownerKey());
        page.open(server.url() + "/#/sandboxes");
        page.click("[data-kill='" + id + "']");
        assertThat(page.exists("tr[data-sandbox='" + id + "']")).as("not before the confirmation").isTrue();
        page.click("[data-confirm-kill='" + id + "']");
        page.waitFor("!document.querySelector(\"tr[data-sandbox='" + id + "']\")", "the sandbox to leave the list");
        var after = server.owner().get("/v1/sandboxes/" + id);
        assertThat(after.status() == 404 || !after.json().path("endedAt").isNull()).as(after.toString()).isTrue();
    }

    @Test
    void aKeyIsRevokedFromTheAdminPage() {
        Http owner = server.owner();
        var created = owner.post("/v1/workspaces/" + server.defaultWorkspace() + "/keys", Map.of("name", "to revoke", "role", "member"));
        String keyId = created.json().get("id").asText();
        Http revoked = owner.as(created.json().get("key").asText());
        assertThat(revoked.get("/v1/me").status()).isEqualTo(200);
        signIn(server.url(), server.ownerKey());
        page.open(server.url() + "/#/admin");
        page.click("[data-revoke='" + keyId + "']");
        page.click("[data-confirm-revoke='" + keyId + "']");
        page.waitFor("document.querySelector(\"tr[data-key='" + keyId + "']\")?.textContent.includes('revoked')", "the key to show revoked");
        assertThat(revoked.get("/v1/me").status()).isEqualTo(401);
    }

    @Test
    void signInAndStartARunWithTheKeyboardAlone() {
        page.open(server.url() + "/");
        page.tabTo("#api-key", 5);
        page.send("Input.insertText", Map.of("text", server.ownerKey()));
        page.press("Enter");
        page.waitForSelector("#nav");
        page.tabTo("[data-nav=start]", 10);
        page.press("Enter");
        page.waitForSelector("#prompt");
        page.tabTo("#prompt", 10);
        page.send("Input.insertText", Map.of("text", "say typed by keyboard"));
        page.tabTo("#start-submit", 20);
        page.press("Enter");
        page.waitFor("document.querySelector('h1 [data-status=succeeded]')", "the run to succeed");
        assertThat(page.text("[data-kind=text]")).isEqualTo("typed by keyboard");
    }

    @Test
    void theRunsListFiltersByStatusAndPages() {
        Http owner = server.owner();
        String failed = startRun(owner, Map.of("prompt", "fail"));
        String ok = startRun(owner, Map.of("prompt", "say fine"));
        awaitEnd(owner, failed);
        awaitEnd(owner, ok);
        for (int i = 0; i < 20; i++) startRun(owner, Map.of("prompt", "say filler " + i));
        signIn(server.url(), server.ownerKey());
        page.waitForSelector("tr[data-run]");
        assertThat(page.count("tr[data-run]")).as("a page of 20").isEqualTo(20);
        page.click("#next-page");
        page.waitForSelector("tr[data-run='" + ok + "']");
        page.click("#prev-page");
        page.waitFor("!document.querySelector(\"tr[data-run='" + ok + "']\") && document.querySelectorAll('tr[data-run]').length === 20", "page 1 again");
        page.select("#f-status", "failed");
        page.waitFor("document.querySelector(\"tr[data-run='" + failed + "']\") && "
                + "[...document.querySelectorAll('tr[data-run] [data-status]')].every(e => e.dataset.status === 'failed')", "only failed runs");
        assertThat(page.exists("tr[data-run='" + ok + "']")).isFalse();
        Poll.until(Duration.ofSeconds(60), () -> owner.get("/v1/runs?status=running").json().get("data").size()
                + owner.get("/v1/runs?status=queued").json().get("data").size() + owner.get("/v1/runs?status=booting").json().get("data").size(),
                n -> n == 0, "the filler runs to end");
    }
}
