package io.agentbox.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.agent.event.Events;
import io.agentbox.agent.tools.BuiltinTools;
import io.agentbox.agent.tools.Tool;
import io.agentbox.agent.tools.ToolAccess;
import io.agentbox.agent.tools.ToolOutput;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.Sandbox;
import io.agentbox.sandbox.SandboxSpec;
import io.agentbox.sandbox.TestSandboxes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Every built-in tool against a real sandbox, with its error cases. */
class BuiltinToolsTest {
    @RegisterExtension
    static final TestSandboxes SANDBOXES = new TestSandboxes();

    private Sandbox sandbox;
    private final AtomicReference<String> cwd = new AtomicReference<>("/workspace");
    private final Cancellation cancellation = new Cancellation();

    @BeforeEach
    void create() {
        sandbox = SANDBOXES.create();
    }

    @AfterEach
    void kill() {
        sandbox.kill();
    }

    private ToolOutput call(String tool, String json) {
        try {
            JsonNode input = Events.mapper().readTree(json);
            Tool t = BuiltinTools.all().stream().filter(x -> x.name().equals(tool)).findFirst().orElseThrow();
            return t.call(input, new RunToolContext(sandbox, "run_t", "toolu_" + System.nanoTime(), cwd, cancellation));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String json(Object... kv) {
        ObjectNode o = Events.mapper().createObjectNode();
        for (int i = 0; i < kv.length; i += 2) o.set((String) kv[i], Events.mapper().valueToTree(kv[i + 1]));
        return o.toString();
    }

    @Test
    void toolsHaveClaudeCodesNamesAndSchemas() {
        List<Tool> all = BuiltinTools.all();
        assertThat(all.stream().map(Tool::name)).containsExactly("Read", "Write", "Edit", "MultiEdit", "Bash", "Glob", "Grep", "LS", "WebFetch", "TodoWrite");
        Tool edit = all.get(2);
        assertThat(edit.inputSchema().path("required").toString()).isEqualTo("[\"file_path\",\"old_string\",\"new_string\"]");
        assertThat(edit.inputSchema().path("properties").has("replace_all")).isTrue();
        assertThat(edit.inputSchema().path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(all.get(4).inputSchema().path("properties").fieldNames()).toIterable()
                .contains("command", "timeout", "description", "run_in_background");
        assertThat(all.get(6).inputSchema().path("properties").fieldNames()).toIterable()
                .contains("pattern", "path", "glob", "type", "output_mode", "-i", "-n", "-A", "-B", "-C", "head_limit", "multiline");
        assertThat(all.stream().filter(t -> t.access() == ToolAccess.READ).map(Tool::name))
                .containsExactly("Read", "Glob", "Grep", "LS", "TodoWrite");
    }

    @Test
    void writeThenReadWithLineNumbersOffsetAndLimit() {
        ToolOutput w = call("Write", json("file_path", "/workspace/a/b.txt", "content", "one\ntwo\nthree\nfour\n"));
        assertThat(w.isError()).isFalse();
        assertThat(w.content()).contains("created");
        assertThat(call("Write", json("file_path", "/workspace/a/b.txt", "content", "one\ntwo\nthree\nfour\n")).content()).contains("updated");
        assertThat(call("Read", json("file_path", "/workspace/a/b.txt")).content())
                .isEqualTo("     1\tone\n     2\ttwo\n     3\tthree\n     4\tfour\n");
        ToolOutput window = call("Read", json("file_path", "a/b.txt", "offset", 2, "limit", 2));
        assertThat(window.content()).startsWith("     2\ttwo\n     3\tthree\n").contains("File truncated").doesNotContain("four");
    }

    @Test
    void readHandlesMissingBinaryEmptyDirectoryAndLongLines() {
        assertThat(call("Read", json("file_path", "/workspace/nope.txt"))).satisfies(o -> {
            assertThat(o.isError()).isTrue();
            assertThat(o.content()).contains("does not exist");
        });
        sandbox.files().write("/workspace/bin.dat", new byte[]{1, 2, 0, 3, 4});
        assertThat(call("Read", json("file_path", "/workspace/bin.dat"))).satisfies(o -> {
            assertThat(o.isError()).isTrue();
            assertThat(o.content()).contains("binary");
        });
        sandbox.files().write("/workspace/empty.txt", "");
        assertThat(call("Read", json("file_path", "/workspace/empty.txt")).content()).contains("empty");
        assertThat(call("Read", json("file_path", "/workspace")).isError()).isTrue();
        sandbox.files().write("/workspace/long.txt", "x".repeat(5000) + "\n");
        assertThat(call("Read", json("file_path", "/workspace/long.txt")).content()).contains("[line truncated]").hasSizeLessThan(2200);
        StringBuilder big = new StringBuilder();
        for (int i = 1; i <= 3000; i++) big.append("line ").append(i).append('\n');
        sandbox.files().write("/workspace/big.txt", big.toString());
        assertThat(call("Read", json("file_path", "/workspace/big.txt")).content())
                .contains("  2000\tline 2000").doesNotContain("line 2001").contains("File truncated");
        assertThat(call("Read", json()).content()).contains("file_path");
    }

    @Test
    void editReplacesExactlyAndExplainsFailures() {
        sandbox.files().write("/workspace/e.py", "x = 1\ny = 1\nx = 1\n");
        assertThat(call("Edit", json("file_path", "/workspace/e.py", "old_string", "y = 1", "new_string", "y = 2")).isError()).isFalse();
        assertThat(sandbox.files().readText("/workspace/e.py")).isEqualTo("x = 1\ny = 2\nx = 1\n");
        ToolOutput ambiguous = call("Edit", json("file_path", "/workspace/e.py", "old_string", "x = 1", "new_string", "x = 3"));
        assertThat(ambiguous.isError()).isTrue();
        assertThat(ambiguous.content()).contains("Found 2 matches", "replace_all");
        ToolOutput missing = call("Edit", json("file_path", "/workspace/e.py", "old_string", "z = 9", "new_string", "z = 1"));
        assertThat(missing.isError()).isTrue();
        assertThat(missing.content()).contains("not found");
        assertThat(call("Edit", json("file_path", "/workspace/e.py", "old_string", "x", "new_string", "x")).content()).contains("No changes");
        assertThat(call("Edit", json("file_path", "/workspace/e.py", "old_string", "x = 1", "new_string", "x = $1 \\ 3", "replace_all", true)).isError()).isFalse();
        assertThat(sandbox.files().readText("/workspace/e.py")).isEqualTo("x = $1 \\ 3\ny = 2\nx = $1 \\ 3\n");
        assertThat(call("Edit", json("file_path", "/workspace/new.txt", "old_string", "", "new_string", "fresh")).isError()).isFalse();
        assertThat(sandbox.files().readText("/workspace/new.txt")).isEqualTo("fresh");
        assertThat(call("Edit", json("file_path", "/workspace/none.txt", "old_string", "a", "new_string", "b")).content()).contains("does not exist");
    }

    @Test
    void multiEditAppliesAllInOrderOrNothing() {
        sandbox.files().write("/workspace/m.txt", "alpha beta gamma");
        ToolOutput ok = call("MultiEdit", "{\"file_path\":\"/workspace/m.txt\",\"edits\":[{\"old_string\":\"alpha\",\"new_string\":\"ALPHA\"},"
                + "{\"old_string\":\"ALPHA beta\",\"new_string\":\"AB\"}]}");
        assertThat(ok.isError()).isFalse();
        assertThat(sandbox.files().readText("/workspace/m.txt")).isEqualTo("AB gamma");
        ToolOutput bad = call("MultiEdit", "{\"file_path\":\"/workspace/m.txt\",\"edits\":[{\"old_string\":\"AB\",\"new_string\":\"x\"},"
                + "{\"old_string\":\"missing\",\"new_string\":\"y\"}]}");
        assertThat(bad.isError()).isTrue();
        assertThat(bad.content()).contains("edit 2");
        assertThat(sandbox.files().readText("/workspace/m.txt")).isEqualTo("AB gamma");
    }

    @Test
    void bashRunsInTheSandboxKeepsItsDirectoryAndReportsFailures() {
        ToolOutput hi = call("Bash", json("command", "echo hi; echo err >&2; id -u"));
        assertThat(hi.isError()).isFalse();
        assertThat(hi.content()).isEqualTo("hi\n1000\nerr");
        call("Bash", json("command", "mkdir -p /workspace/sub && cd /workspace/sub"));
        assertThat(cwd.get()).isEqualTo("/workspace/sub");
        assertThat(call("Bash", json("command", "pwd")).content()).isEqualTo("/workspace/sub");
        assertThat(call("Bash", json("command", "cd /tmp; exit 3"))).satisfies(o -> {
            assertThat(o.isError()).isTrue();
            assertThat(o.content()).contains("Exit code 3");
        });
        assertThat(cwd.get()).isEqualTo("/tmp");
        // resetting the positional parameters neither loses the directory nor writes it over a file they name
        sandbox.files().write("/workspace/named", "kept");
        call("Bash", json("command", "set -- x /workspace/named; cd /workspace/sub"));
        assertThat(cwd.get()).isEqualTo("/workspace/sub");
        assertThat(sandbox.files().readText("/workspace/named")).isEqualTo("kept");
        ToolOutput slow = call("Bash", json("command", "sleep 5", "timeout", 300));
        assertThat(slow.isError()).isTrue();
        assertThat(slow.content()).contains("timed out");
        ToolOutput big = call("Bash", json("command", "head -c 100000 /dev/zero | tr '\\0' a"));
        assertThat(big.content()).contains("characters truncated").hasSizeLessThan(31_000);
    }

    @Test
    void bashRunInBackgroundKeepsRunningAndLogs() {
        ToolOutput bg = call("Bash", json("command", "echo started; sleep 30", "run_in_background", true));
        assertThat(bg.isError()).isFalse();
        String log = bg.content().replaceAll("(?s).*goes to (\\S+);.*", "$1");
        assertThat(log).startsWith("/tmp/agentbox-bash-");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!sandbox.files().exists(log) || !sandbox.files().readText(log).contains("started")) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.onSpinWait();
        }
        cancellation.cancel("test over");
        TestSandboxes.await("the background command to be killed with its run", Duration.ofSeconds(5),
                () -> sandbox.commands().run(Command.of("pgrep", "-f", "sleep 30")).exitCode() == 1);
    }

    @Test
    void globFindsFilesNewestFirstAndGrepUsesRipgrepSemantics() throws Exception {
        sandbox.files().write("/workspace/src/a.py", "def alpha():\n    return 1\n");
        sandbox.commands().run(Command.of("sleep", "0.05"));
        sandbox.files().write("/workspace/src/pkg/b.py", "def beta():\n    return ALPHA\n");
        sandbox.files().write("/workspace/notes.md", "alpha notes\n");
        assertThat(call("Glob", json("pattern", "**/*.py")).content()).isEqualTo("/workspace/src/pkg/b.py\n/workspace/src/a.py");
        assertThat(call("Glob", json("pattern", "*.md")).content()).isEqualTo("/workspace/notes.md");
        assertThat(call("Glob", json("pattern", "*.rs")).content()).isEqualTo("No files found");
        assertThat(call("Glob", json("pattern", "*", "path", "/workspace/missing")).isError()).isTrue();

        assertThat(call("Grep", json("pattern", "alpha")).content()).startsWith("Found 2 files").contains("/workspace/src/a.py", "/workspace/notes.md");
        assertThat(call("Grep", json("pattern", "alpha", "-i", true, "type", "py")).content()).startsWith("Found 2 files").doesNotContain("notes");
        assertThat(call("Grep", json("pattern", "alpha", "glob", "*.md", "output_mode", "content", "-n", true)).content())
                .isEqualTo("/workspace/notes.md:1:alpha notes");
        assertThat(call("Grep", json("pattern", "def", "output_mode", "content", "-A", 1, "path", "/workspace/src/a.py")).content())
                .isEqualTo("def alpha():\n    return 1");
        assertThat(call("Grep", json("pattern", "return", "output_mode", "count", "path", "/workspace/src")).content())
                .contains("/workspace/src/a.py:1", "/workspace/src/pkg/b.py:1");
        assertThat(call("Grep", json("pattern", "alpha\\(\\):\\n\\s+return", "multiline", true)).content()).contains("a.py");
        assertThat(call("Grep", json("pattern", "e", "output_mode", "content", "head_limit", 1)).content()).contains("head_limit");
        assertThat(call("Grep", json("pattern", "zzz")).content()).isEqualTo("No matches found");
        assertThat(call("Grep", json("pattern", "-rf")).isError()).isFalse();
        assertThat(call("Grep", json("pattern", "(unclosed")).isError()).isTrue();
    }

    @Test
    void lsListsADirectory() {
        sandbox.files().write("/workspace/d/f.txt", "x");
        sandbox.files().mkdir("/workspace/d/sub");
        sandbox.files().write("/workspace/d/skip.log", "x");
        assertThat(call("LS", json("path", "/workspace/d", "ignore", List.of("*.log"))).content())
                .isEqualTo("- /workspace/d/\n  - f.txt\n  - sub/");
        assertThat(call("LS", json("path", "/workspace/nope")).isError()).isTrue();
    }

    @Test
    void webFetchObeysTheSandboxNetworkPolicy() {
        ToolOutput out = call("WebFetch", json("url", "https://example.com/", "prompt", "title?"));
        assertThat(out.isError()).isTrue();
        assertThat(out.content()).contains("network");
        assertThat(call("WebFetch", json("url", "file:///etc/passwd", "prompt", "x")).content()).contains("Only http and https");
    }

    @Test
    void webFetchReducesHtmlToTextWhenTheNetworkAllowsIt() {
        try (Sandbox open = SANDBOXES.create(SandboxSpec.builder().network(io.agentbox.sandbox.NetworkPolicy.open()).build())) {
            open.files().write("/workspace/index.html", "<html><body><h1>Hello &amp; welcome</h1><script>x()</script><p>Para</p></body></html>");
            var server = open.commands().start(Command.builder("python3", "-m", "http.server", "8765", "--bind", "127.0.0.1").build());
            Sandbox previous = sandbox;
            sandbox = open;
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                ToolOutput out;
                do {
                    out = call("WebFetch", json("url", "http://127.0.0.1:8765/index.html", "prompt", "greeting"));
                } while (out.isError() && System.nanoTime() < deadline);
                assertThat(out.isError()).as(out.content()).isFalse();
                assertThat(out.content()).contains("Hello & welcome", "Para").doesNotContain("<h1>", "x()");
            } finally {
                server.kill();
                sandbox = previous;
            }
        }
    }

    @Test
    void todoWriteValidatesTheList() {
        assertThat(call("TodoWrite", "{\"todos\":[{\"content\":\"Run tests\",\"status\":\"in_progress\",\"activeForm\":\"Running tests\"}]}").isError()).isFalse();
        assertThat(call("TodoWrite", "{\"todos\":[{\"content\":\"x\",\"status\":\"maybe\",\"activeForm\":\"x\"}]}").isError()).isTrue();
    }
}
