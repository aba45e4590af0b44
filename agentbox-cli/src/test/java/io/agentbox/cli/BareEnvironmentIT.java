package io.agentbox.cli;

import io.agentbox.sandbox.SandboxProvider;
import io.agentbox.sandbox.SandboxQuery;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI started with a bare environment ({@code env -i PATH=/usr/bin:/bin HOME=...}, as systemd,
 * cron, CI or an MCP client start it): no LANG, so the C locale, and file names that are not
 * ASCII (a CA certificate under /etc/ssl, a user's file) must still work. Also: the launcher's
 * pid is the JVM's, so a signal to it reaches the JVM and leaves nothing behind.
 */
class BareEnvironmentIT {
    private static final Pattern LISTENING = Pattern.compile("agentbox serve: listening on (http://[^\\s\"]+)");
    /** "Főtanúsítvány" in UTF-8, written as bytes so that no locale is involved in making it. */
    private static final String NAME_BYTES = "F\\305\\221tan\\303\\272s\\303\\255tv\\303\\241ny.txt";
    private static final byte[] NAME_UTF8 = "Főtanúsítvány.txt".getBytes(StandardCharsets.UTF_8);

    private static Path home;
    private static SandboxProvider provider;
    private static AgentboxProcess bare;

    @BeforeAll
    static void setUp() throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "abx");
        provider = Sandboxes.local(home);
        bare = new AgentboxProcess(home).bare();
    }

    @AfterEach
    void killSandboxes() {
        provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
    }

    @AfterAll
    static void tearDown() throws IOException {
        delete(home);
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static AgentboxProcess.Result launcher(AgentboxProcess p, String... args) {
        return p.run(AgentboxProcess.launcher(args), null, new byte[0]);
    }

    private static AgentboxProcess.Result sh(Path dir, String script) {
        return bare.run(List.of("sh", "-c", script), dir, new byte[0]);
    }

    @Test
    void createWorksThroughTheJarAndTheLauncher() {
        // the jar alone: the JVM's file-name charset is ASCII here, the /etc copy must not care
        AgentboxProcess.Result jar = bare.run("sandbox", "create");
        assertThat(jar.exitCode()).as(jar.toString()).isZero();
        assertThat(jar.stdout()).startsWith("sbx_");

        AgentboxProcess.Result viaLauncher = launcher(bare, "sandbox", "create");
        assertThat(viaLauncher.exitCode()).as(viaLauncher.toString()).isZero();
        String id = viaLauncher.stdout().strip();
        // the CA certificates, whose names are not ASCII, are all there
        AgentboxProcess.Result certs = launcher(bare, "sandbox", "exec", id, "--", "sh", "-c", "ls /etc/ssl/certs | grep -c NetLock_Arany");
        assertThat(certs.exitCode()).as(certs.toString()).isZero();
        assertThat(Integer.parseInt(certs.stdout().strip())).isPositive();
    }

    @Test
    void execAndCpCarryNonAsciiNamesBothWays() throws IOException {
        Path local = Files.createTempDirectory(home, "local");
        assertThat(sh(local, "mkdir in && printf 'bytes are bytes\\n' > \"in/$(printf '" + NAME_BYTES + "')\"").exitCode()).isZero();
        String id = launcher(bare, "sandbox", "create").stdout().strip();

        AgentboxProcess.Result in = launcher(bare, "sandbox", "cp", local.resolve("in").toString(), id + ":/workspace/");
        assertThat(in.exitCode()).as(in.toString()).isZero();
        AgentboxProcess.Result ls = launcher(bare, "sandbox", "exec", id, "--", "ls", "/workspace/in");
        assertThat(ls.exitCode()).as(ls.toString()).isZero();
        assertThat(ls.stdoutBytes()).isEqualTo((new String(NAME_UTF8, StandardCharsets.ISO_8859_1) + "\n").getBytes(StandardCharsets.ISO_8859_1));

        AgentboxProcess.Result out = launcher(bare, "sandbox", "cp", id + ":/workspace/in", local.resolve("back").toString());
        assertThat(out.exitCode()).as(out.toString()).isZero();
        AgentboxProcess.Result cat = sh(local, "cat \"back/$(printf '" + NAME_BYTES + "')\"");
        assertThat(cat.stdout()).isEqualTo("bytes are bytes\n");

        AgentboxProcess.Result exec = launcher(bare, "sandbox", "exec", id, "--", "sh", "-c", "echo \"$LANG\"; exit 4");
        assertThat(exec.exitCode()).isEqualTo(4);
        assertThat(exec.stdout()).isEqualTo("C.UTF-8\n");
    }

    @Test
    void runAnAgentWithUploadAndDownload() throws IOException {
        try (FakeAnthropic model = FakeAnthropic.start()) {
            model.enqueue(Reply.builder().toolUse("Bash", Map.of("command", "ls /workspace > /workspace/listing.txt")).usage(100, 10).build(),
                    Reply.builder().text("listed").usage(100, 10).build());
            Path project = Files.createTempDirectory(home, "project");
            assertThat(sh(project, "printf x > \"$(printf '" + NAME_BYTES + "')\"").exitCode()).isZero();
            Path result = home.resolve("result");
            AgentboxProcess withModel = bare.withEnv(Map.of("ANTHROPIC_API_KEY", "sk-test-key", "ANTHROPIC_BASE_URL", model.baseUrl()));
            AgentboxProcess.Result r = launcher(withModel, "run", "--upload", project.toString(), "--download", result.toString(), "list the files");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).isEqualTo("listed\n");
            AgentboxProcess.Result listing = sh(result, "cat listing.txt");
            assertThat(listing.stdoutBytes()).isEqualTo(concat(NAME_UTF8, "\nlisting.txt\n".getBytes(StandardCharsets.US_ASCII)));
        }
    }

    @Test
    void serveStartsAnswersAndStopsOnSigtermToTheLauncher() throws Exception {
        // a data dir of its own: the first `serve` there is the launcher's recording start (JDK 25+),
        // which used to run the JVM as a child that a SIGTERM to the launcher left behind
        Path serveHome = Files.createTempDirectory(Path.of("/tmp"), "abx");
        Process server = null;
        List<ProcessHandle> tree = new ArrayList<>();
        try {
            AgentboxProcess p = new AgentboxProcess(serveHome).bare();
            Path err = serveHome.resolve("serve.err");
            server = p.start(AgentboxProcess.launcher("serve", "--port", "0", "--bootstrap-key", "abk_bare_env_owner_key",
                    "--shutdown-grace", "2s", "--anthropic-api-key", "sk-test"), serveHome.resolve("serve.out"), err);
            String url = null;
            Instant deadline = Instant.now().plusSeconds(90);
            while (url == null) {
                Matcher m = LISTENING.matcher(Files.readString(err));
                if (m.find()) url = m.group(1);
                assertThat(server.isAlive()).as("serve is running: " + Files.readString(err)).isTrue();
                assertThat(Instant.now()).as("serve says where it listens").isBefore(deadline);
                Thread.sleep(50);
            }
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);

            // the JVM serving is the launcher's own pid (exec), not a child of it
            assertThat(server.toHandle().info().command().orElse("")).endsWith("/java");
            tree.add(server.toHandle());
            server.toHandle().descendants().forEach(tree::add);

            server.destroy(); // SIGTERM to the launcher's pid
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("serve stops on SIGTERM").isTrue();
            assertThat(server.exitValue()).as("a graceful stop, or the JVM's SIGTERM code").isIn(0, 143);
            Instant gone = Instant.now().plusSeconds(60);
            while (tree.stream().anyMatch(h -> h.isAlive() && h.info().commandLine().orElse("").contains(" serve "))) {
                assertThat(Instant.now()).as("no serving JVM is left behind").isBefore(gone);
                Thread.sleep(50);
            }
        } finally {
            if (server != null) server.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
            var serveProvider = Sandboxes.local(serveHome);
            serveProvider.list(SandboxQuery.ALL).forEach(s -> serveProvider.kill(s.id()));
            // the background cache assembly may still be writing: wait for it before removing the dir
            Instant settled = Instant.now().plusSeconds(120);
            while (Instant.now().isBefore(settled) && hasRecording(serveHome.resolve("cache"))) Thread.sleep(100);
            delete(serveHome);
        }
    }

    private static boolean hasRecording(Path cache) throws IOException {
        if (!Files.isDirectory(cache)) return false;
        try (Stream<Path> files = Files.list(cache)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".recording"));
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
