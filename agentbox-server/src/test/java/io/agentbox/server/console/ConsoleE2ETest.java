package io.agentbox.server.console;

import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ScriptedModel;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The console in headless Chromium against a real server: what a person does with it, end to end. */
class ConsoleE2ETest extends ConsoleBrowserTest {

    @Test
    void signInStartARunAndWatchItStreamToCompletion() {
        signIn(server.url(), server.ownerKey());
        assertThat(page.text("[data-role]")).isEqualTo("owner");
        page.click("#new-run");
        page.click("#start-submit");
        assertThat(page.text("#prompt-error")).as("an empty prompt is an inline error").contains("Write what the agent");
        page.type("#prompt", "slow 40 25; say all done");
        page.type("#maxTurns", "0");
        page.click("#start-submit");
        assertThat(page.text("#maxTurns-error")).contains("1 to 1000");
        page.type("#maxTurns", "5");
        page.click("#start-submit");
        page.waitFor("location.hash.startsWith('#/runs/run_')", "the run's page");
        String runId = page.eval("location.hash.slice(7)").asText();
        page.waitFor("document.querySelector('[data-stream=live]') || document.querySelector('[data-stream=ended]')", "the stream to open");
        page.waitFor("document.querySelector('[data-stream=ended]')", "the run to finish on the page");
        page.waitFor("document.querySelector('h1 [data-status=succeeded]')", "status succeeded");
        List<String> texts = textsOnPage();
        assertThat(texts).containsExactly(digits(40), "all done");
        assertThat(page.count("[data-kind=tool]")).as("the scripted turn's Bash call").isEqualTo(1);
        assertThat(page.text("#run-cost")).startsWith("$");
        long stored = storedEvents(runId);
        assertThat(seqsOnPage()).containsExactlyElementsOf(LongStream.rangeClosed(1, stored).boxed().toList());
        // and the list shows it
        page.click("[data-nav=runs]");
        page.waitForSelector("tr[data-run='" + runId + "'] [data-status=succeeded]");
    }

    @Test
    void aStreamCutMidRunResumesWithNoGapAndNoDuplicate() throws Exception {
        try (DroppingProxy proxy = new DroppingProxy(server.server().port())) {
            String base = "http://127.0.0.1:" + proxy.port();
            signIn(base, server.ownerKey());
            String runId = startRun(server.owner(), Map.of("prompt", "slow 80 40; succeed"));
            openRun(base, runId);
            page.waitFor("(document.querySelector('[data-kind=text]')?.textContent.length ?? 0) >= 15", "text to stream");
            proxy.dropAll();
            page.waitFor("document.querySelector('[data-stream=ended]')", "the run to finish after the reconnect");
            assertThat(page.eval("Number(document.querySelector('.stream').dataset.reconnects)").asInt()).isGreaterThanOrEqualTo(1);
            assertThat(textsOnPage()).containsExactly(digits(80));
            long stored = storedEvents(runId);
            assertThat(seqsOnPage()).as("every stored event once, in order").containsExactlyElementsOf(LongStream.rangeClosed(1, stored).boxed().toList());
        }
    }

    @Test
    void thinkingStreamsLiveOpenAndFoldsAwayWhenItEnds() {
        signIn(server.url(), server.ownerKey());
        String g = gate("think");
        String runId = startRun(server.owner(), Map.of("prompt", "hold " + g + "; think 60 60; say answered"));
        openRun(server.url(), runId);
        // the page follows the run before the thinking starts, so what it shows next arrives live
        page.waitFor("document.querySelector('[data-stream=live]')", "the stream");
        model.release(g);
        String open = "document.querySelector('[data-kind=thinking] details[open] p')";
        page.waitFor("(" + open + "?.textContent.length ?? 0) >= 3", "thinking to stream");
        int first = page.eval(open + ".textContent.length").asInt();
        assertThat(first).as("still streaming").isLessThan(60);
        page.waitFor("(" + open + "?.textContent.length ?? 0) > " + first, "the thinking to grow in place");
        assertThat(page.text("[data-kind=thinking] summary")).isEqualTo("Thinking");
        page.waitFor("document.querySelector('[data-stream=ended]')", "the run to finish");
        assertThat(page.count("[data-kind=thinking]")).as("one block, grown by its deltas").isEqualTo(1);
        assertThat(page.exists("[data-kind=thinking] details[open]")).as("folded once complete").isFalse();
        assertThat(page.eval("document.querySelector('[data-kind=thinking] p').textContent").asText()).isEqualTo(ScriptedModel.thoughts(60));
        assertThat(textsOnPage()).containsExactly("released", "answered");
        page.click("[data-kind=thinking] summary");
        page.waitForSelector("[data-kind=thinking] details[open]");
        long stored = storedEvents(runId);
        assertThat(seqsOnPage()).containsExactlyElementsOf(LongStream.rangeClosed(1, stored).boxed().toList());
    }

    @Test
    void cancelFromTheRunPage() {
        signIn(server.url(), server.ownerKey());
        String runId = startRun(server.owner(), Map.of("prompt", "hold " + gate("cancel")));
        openRun(server.url(), runId);
        page.waitFor("document.querySelector('[data-stream=live]')", "the stream");
        page.click("#cancel-run");
        page.waitFor("document.querySelector('h1 [data-status=canceled]')", "status canceled");
        page.waitFor("document.querySelector('[data-stream=ended]')", "the stream to end");
        assertThat(page.exists("#cancel-run")).isFalse();
        assertThat(server.owner().get("/v1/runs/" + runId).json().get("status").asText()).isEqualTo("canceled");
    }

    @Test
    void aPermissionRequestIsAnsweredOnThePage() {
        signIn(server.url(), server.ownerKey());
        String runId = startRun(server.owner(), Map.of("prompt", "bash echo permitted-$((6*7)); say done",
                "options", Map.of("permissionMode", "default")));
        openRun(server.url(), runId);
        page.click("[data-permission=allow]");
        page.waitFor("document.querySelector('[data-stream=ended]')", "the run to finish");
        assertThat(awaitEnd(server.owner(), runId).get("status").asText()).isEqualTo("succeeded");
        assertThat(page.text("[data-kind=tool] .tool-output pre")).contains("permitted-42");
    }

    @Test
    void anArtifactIsReviewedAndDownloaded() throws Exception {
        Path downloads = Files.createTempDirectory(dir, "downloads-");
        page.downloadsTo(downloads);
        signIn(server.url(), server.ownerKey());
        String runId = startRun(server.owner(), Map.of("prompt", "write /workspace/report.md findings-in-the-report; say done"));
        assertThat(awaitEnd(server.owner(), runId).get("status").asText()).isEqualTo("succeeded");
        openRun(server.url(), runId);
        page.waitForSelector("[data-download]");
        page.click("[data-artifact] button[aria-expanded]");
        page.waitFor("document.querySelector('.artifact-view')?.textContent.includes('findings-in-the-report')", "the artifact's content");
        page.click("[data-download]");
        Path file = downloads.resolve("report.md");
        Poll.until(Duration.ofSeconds(20), () -> Files.isRegularFile(file), ok -> ok, "the download");
        assertThat(Files.readString(file)).isEqualTo("findings-in-the-report");
        page.click("[data-approve]");
        page.waitForSelector(".r-approved");
    }

    @Test
    void aRevokedKeyIsSentBackToSignIn() {
        Http owner = server.owner();
        var created = owner.post("/v1/workspaces/" + server.defaultWorkspace() + "/keys", Map.of("name", "soon revoked", "role", "member"));
        assertThat(created.status()).isEqualTo(201);
        signIn(server.url(), created.json().get("key").asText());
        page.waitForSelector("#runs-title");
        assertThat(owner.delete("/v1/workspaces/" + server.defaultWorkspace() + "/keys/" + created.json().get("id").asText()).status()).isEqualTo(200);
        page.waitForSelector("#api-key");
        assertThat(page.text("#signin-notice")).contains("revoked");
        assertThat(page.eval("sessionStorage.length").asInt()).as("the key is forgotten").isZero();
    }

    @Test
    void aViewerSeesNoWriteControls() {
        Http owner = server.owner();
        var viewer = owner.post("/v1/workspaces/" + server.defaultWorkspace() + "/keys", Map.of("name", "reader", "role", "viewer"));
        String runId = startRun(owner, Map.of("prompt", "hold " + gate("viewer")));
        signIn(server.url(), viewer.json().get("key").asText());
        assertThat(page.text("[data-role]")).isEqualTo("viewer");
        page.waitForSelector("tr[data-run='" + runId + "']");
        assertThat(page.exists("#new-run")).isFalse();
        assertThat(page.exists("[data-nav=start]")).isFalse();
        assertThat(page.exists("[data-nav=admin]")).isFalse();
        openRun(server.url(), runId);
        page.waitFor("document.querySelector('[data-stream=live]')", "the viewer follows the run");
        assertThat(page.exists("#cancel-run")).isFalse();
        page.open(server.url() + "/#/sandboxes");
        page.waitForSelector("tr[data-sandbox]");
        assertThat(page.exists("[data-kill]")).isFalse();
        page.open(server.url() + "/#/start");
        page.waitFor("document.body.innerText.includes('Not allowed')", "the start page to refuse");
        assertThat(page.exists("#start-submit")).isFalse();
    }

    private List<String> textsOnPage() {
        List<String> out = new java.util.ArrayList<>();
        page.eval("[...document.querySelectorAll('[data-kind=text]')].map(e => e.textContent)").forEach(n -> out.add(n.asText()));
        return out;
    }
}
