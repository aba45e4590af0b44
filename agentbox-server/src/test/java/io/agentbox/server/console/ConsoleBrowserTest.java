package io.agentbox.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ScriptedModel;
import io.agentbox.server.support.TestFiles;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One real server (SQLite, real sandboxes, the scripted model) and one headless Chromium per test class;
 * each test gets a fresh browser context (its own sessionStorage).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ConsoleBrowserTest {
    protected Path dir;
    protected ScriptedModel model;
    protected TestServer server;
    protected Chromium chromium;
    protected BrowserPage page;
    private final List<String> gates = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("agentbox-console-");
        model = ScriptedModel.start();
        server = TestServer.start(Db.SQLITE, dir, b -> TestServer.withModel(b, model), Optional.empty(), Optional.empty());
        chromium = Chromium.launch();
    }

    @BeforeEach
    void openPage() {
        page = chromium.newPage(1280, 800);
    }

    @AfterEach
    void closePage() {
        gates.forEach(model::release);
        gates.clear();
        if (page != null) {
            List<String> errors = page.consoleErrors();
            page.close();
            page = null;
            // a script error in the console is a bug, whatever the test looked at
            assertThat(errors).as("JavaScript errors in the console").filteredOn(e -> !e.contains("401") && !e.contains("ERR_")).isEmpty();
        }
    }

    @AfterAll
    void stop() {
        try {
            if (chromium != null) chromium.close();
        } finally {
            try {
                if (server != null) server.close();
                if (dir != null) Sandboxes.local(dir.resolve("data")).list(SandboxQuery.ALL).forEach(i -> Sandboxes.local(dir.resolve("data")).kill(i.id()));
            } finally {
                if (model != null) model.close();
                TestFiles.deleteRecursively(dir);
            }
        }
    }

    /** A gate of the scripted model, released after the test whatever happens. */
    protected String gate(String name) {
        String g = name + "-" + System.nanoTime();
        gates.add(g);
        return g;
    }

    protected void signIn(String baseUrl, String key) {
        page.open(baseUrl + "/");
        page.type("#api-key", key);
        page.click("form button[type=submit]");
        page.waitForSelector("#nav");
    }

    protected String startRun(Http http, Map<String, ?> body) {
        var r = http.post("/v1/runs", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    protected JsonNode awaitEnd(Http http, String runId) {
        return Poll.until(Duration.ofSeconds(60), () -> http.get("/v1/runs/" + runId).json(),
                j -> List.of("succeeded", "failed", "canceled").contains(j.get("status").asText()), "run " + runId + " to end");
    }

    protected void openRun(String baseUrl, String runId) {
        page.open(baseUrl + "/#/runs/" + runId);
        page.waitForSelector("[data-run='" + runId + "'] .stream");
    }

    protected List<Long> seqsOnPage() {
        List<Long> seqs = new ArrayList<>();
        page.eval("[...document.querySelectorAll('.event-log li')].map(l => Number(l.dataset.seq))").forEach(n -> seqs.add(n.asLong()));
        return seqs;
    }

    /** How many events the server stored for the run. */
    protected long storedEvents(String runId) {
        String body = server.owner().get("/v1/runs/" + runId + "/events?follow=false").body();
        return body.lines().filter(l -> l.startsWith("id: ")).count();
    }

    protected static String digits(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append((char) ('0' + i % 10));
        return sb.toString();
    }
}
