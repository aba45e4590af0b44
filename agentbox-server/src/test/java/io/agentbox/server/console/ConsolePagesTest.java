package io.agentbox.server.console;

import io.agentbox.server.support.Http;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every page at 1280×800 and at a phone's width: each input has a label, nothing overflows sideways,
 * and a screenshot of each goes to {@code -Dconsole.screenshots=DIR} (docs/images in the repository;
 * target/console-screenshots by default).
 */
class ConsolePagesTest extends ConsoleBrowserTest {
    private static final String UNLABELED = "[...document.querySelectorAll('input, select, textarea')]"
            + ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.id || e.outerHTML)";

    private final Path shots = Path.of(System.getProperty("console.screenshots", "target/console-screenshots"));

    @Test
    void everyPageAtDesktopAndPhoneWidth() throws Exception {
        Http owner = server.owner();
        startRun(owner, Map.of("prompt", "bash ls / | head -3; write /workspace/fizzbuzz.py print('fizz'); say Wrote fizzbuzz.py and ran it."));
        startRun(owner, Map.of("prompt", "say hello; fail"));
        String done = startRun(owner, Map.of("prompt", "think 120 0; write /workspace/report.md # Findings; bash python3 -c 'print(6*7)'; say The report is in report.md.",
                "model", "claude-haiku-4-5"));
        awaitEnd(owner, done);
        seedHistory(owner);
        String asking = startRun(owner, Map.of("prompt", "bash git status; say done", "options", Map.of("permissionMode", "default")));
        owner.post("/v1/workspaces/" + server.defaultWorkspace() + "/keys", Map.of("name", "ci", "role", "member"));
        owner.post("/v1/workspaces/" + server.defaultWorkspace() + "/keys", Map.of("name", "dashboard", "role", "viewer"));

        page.open(server.url() + "/");
        page.waitForSelector("#api-key");
        check("sign-in");

        signIn(server.url(), server.ownerKey());
        page.waitFor("document.querySelectorAll('tr[data-run]').length >= 4", "the runs");
        check("runs");

        openRun(server.url(), done);
        page.waitFor("document.querySelector('[data-stream=ended]') && document.querySelector('[data-download]')", "the finished run");
        check("run");

        openRun(server.url(), asking);
        page.waitForSelector("[data-permission=allow]");
        check("run-permission");

        page.open(server.url() + "/#/start");
        page.waitForSelector("#start-submit");
        page.type("#prompt", "Write fizzbuzz.py and run it");
        page.type("#timeout", "ten minutes");
        page.click("#start-submit");
        page.waitForSelector("#timeout-error");
        check("start");

        page.open(server.url() + "/#/sandboxes");
        page.waitForSelector("tr[data-sandbox]");
        check("sandboxes");

        page.open(server.url() + "/#/usage");
        page.waitForSelector(".chart svg rect");
        check("usage");

        page.open(server.url() + "/#/admin");
        page.waitForSelector("tr[data-key]");
        page.type("#key-name", "deploy-bot");
        page.click("#create-key");
        page.waitForSelector("#new-key-value");
        assertThat(page.eval("document.querySelector('#new-key-value').value").asText()).startsWith("agb_key_");
        check("admin");

        page.viewport(390, 844);
        for (String p : List.of("runs", "usage")) {
            page.open(server.url() + "/#/" + p);
            page.waitForSelector(p.equals("runs") ? "tr[data-run]" : ".chart svg rect");
            check(p + "-phone");
        }
        openRun(server.url(), done);
        page.waitFor("document.querySelector('[data-stream=ended]')", "the finished run");
        check("run-phone");
        page.click(".menu-toggle");
        page.waitForSelector("#nav.open");
        check("menu-phone");
    }

    /**
     * Two weeks of runs for the usage charts: real runs of several models, costs and outcomes, then dated
     * back in the database (the server stamps runs with the time they were created).
     */
    private void seedHistory(Http owner) throws Exception {
        String[] models = {"claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5"};
        int[] daysBack = {1, 1, 2, 3, 3, 3, 5, 6, 8, 9, 9, 11, 12, 13};
        Map<String, Integer> shift = new java.util.LinkedHashMap<>();
        for (int i = 0; i < daysBack.length; i++) {
            String prompt = i % 5 == 4 ? "say trying; fail" : "bash echo day-" + daysBack[i] + "; say done; cost " + (0.004 * (1 + i % 4) * (1 + daysBack[i] % 3));
            shift.put(startRun(owner, Map.of("prompt", prompt, "model", models[i % models.length])), daysBack[i]);
        }
        shift.keySet().forEach(id -> awaitEnd(owner, id));
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/agentbox.db").toAbsolutePath());
             java.sql.PreparedStatement st = c.prepareStatement("UPDATE runs SET created_at = created_at - ?, started_at = started_at - ?, "
                     + "finished_at = finished_at - ? WHERE id = ?")) {
            c.createStatement().execute("PRAGMA busy_timeout = 10000");
            for (var e : shift.entrySet()) {
                long ms = e.getValue() * 86_400_000L;
                for (int k = 1; k <= 3; k++) st.setLong(k, ms);
                st.setString(4, e.getKey());
                assertThat(st.executeUpdate()).isEqualTo(1);
            }
        }
        java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
        var report = owner.get("/v1/analytics/usage?groupBy=day&from=" + today.minusDays(29) + "&to=" + today).json();
        long daysWithRuns = 0;
        for (var d : report.get("data")) if (d.get("runs").asLong() > 0) daysWithRuns++;
        assertThat(daysWithRuns).as("runs on several days").isGreaterThanOrEqualTo(10);
    }

    /** The page's labels and width, then its screenshot. */
    private void check(String name) throws Exception {
        assertThat(page.eval(UNLABELED)).as("inputs without a label on " + name).isEmpty();
        assertThat(page.eval("document.documentElement.scrollWidth <= window.innerWidth").asBoolean())
                .as(name + " fits the window's width").isTrue();
        Path file = shots.resolve("console-" + name + ".png");
        page.screenshot(file);
        assertThat(Files.size(file)).isGreaterThan(5_000);
    }
}
