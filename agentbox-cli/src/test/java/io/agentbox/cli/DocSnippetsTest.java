package io.agentbox.cli;

import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.Reply;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code ```java} block of the README and docs/ is compiled against the modules and run in its own
 * JVM, with the model pointed at the testkit fake and sandboxes on a private data dir, so a snippet can't
 * drift from the API. A block whose first line is {@code // compile-only} is compiled but not run (a template
 * build, say); one whose first line is {@code // fragment} is only shown.
 */
class DocSnippetsTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final List<String> IMPORTS = List.of("java.util.*", "java.time.*", "java.math.BigDecimal",
            "java.nio.file.Path", "io.agentbox.sandbox.*", "io.agentbox.agent.*", "io.agentbox.agent.tools.*",
            "io.agentbox.agent.hook.*", "io.agentbox.agent.event.*");

    @TempDir
    static Path work;

    record Snippet(String name, String source, Path file, boolean runs) {}

    @TestFactory
    Stream<DynamicTest> everyJavaSnippetCompilesAndRuns() throws IOException {
        List<Snippet> snippets = snippets(repoRoot());
        assertThat(snippets).as("the README's Java snippets are found").hasSizeGreaterThanOrEqualTo(2);
        Path classes = Files.createDirectories(work.resolve("classes"));
        compile(snippets, classes);
        return snippets.stream().filter(Snippet::runs)
                .map(s -> DynamicTest.dynamicTest(s.name(), s.file().toUri(), () -> run(s, classes)));
    }

    private static void run(Snippet snippet, Path classes) throws Exception {
        try (FakeAnthropic fake = FakeAnthropic.start()) {
            // Any agent snippet: write a file, run it, finish.
            fake.respondWith(request -> switch (request.assistantTurns()) {
                case 0 -> Reply.toolUse("Write", Map.of("file_path", "/workspace/hello.py", "content", "print('hello')"));
                case 1 -> Reply.toolUse("Bash", Map.of("command", "python3 hello.py"));
                default -> Reply.text("Done: it printed hello.");
            });
            Path home = Files.createDirectories(work.resolve("home-" + snippet.name()));
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", classes + java.io.File.pathSeparator + System.getProperty("java.class.path"), snippet.name())
                    .redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("ANTHROPIC_"));
            pb.environment().put("ANTHROPIC_API_KEY", "sk-ant-snippet-test");
            pb.environment().put("ANTHROPIC_BASE_URL", fake.baseUrl());
            pb.environment().put("AGENTBOX_HOME", home.toString());
            Process p = pb.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread pump = Thread.ofVirtual().start(() -> {
                try (var in = p.getInputStream()) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            boolean ended = p.waitFor(3, TimeUnit.MINUTES);
            if (!ended) p.destroyForcibly().waitFor();
            pump.join();
            String output = out.toString(StandardCharsets.UTF_8);
            assertThat(ended).as("snippet %s ended in time; output:\n%s", snippet.name(), output).isTrue();
            assertThat(p.exitValue()).as("snippet %s exit code; output:\n%s\nsource:\n%s", snippet.name(), output, snippet.source()).isZero();
        }
    }

    private static void compile(List<Snippet> snippets, Path classes) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                "-proc:none", "-Xlint:none", "-nowarn"));
        snippets.forEach(s -> args.add(s.file().toString()));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = javac.run(null, err, err, args.toArray(String[]::new));
        assertThat(rc).as("the doc snippets compile:\n%s", err.toString(StandardCharsets.UTF_8)).isZero();
    }

    private static List<Snippet> snippets(Path root) throws IOException {
        List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        Path sources = Files.createDirectories(work.resolve("src"));
        List<Snippet> out = new ArrayList<>();
        for (Path doc : docs) {
            Matcher m = BLOCK.matcher(Files.readString(doc));
            int n = 0;
            while (m.find()) {
                String code = m.group(1);
                if (code.startsWith("// fragment")) continue;
                String name = "Snippet_" + doc.getFileName().toString().replaceAll("\\W", "_") + "_" + (++n);
                StringBuilder imports = new StringBuilder();
                StringBuilder body = new StringBuilder();
                for (String line : code.split("\n")) (line.startsWith("import ") ? imports : body).append(line).append('\n');
                IMPORTS.forEach(i -> imports.append("import ").append(i).append(";\n"));
                String source = imports + "public class " + name + " {\n  public static void main(String[] args) throws Exception {\n"
                        + body + "\n  }\n}\n";
                Path file = sources.resolve(name + ".java");
                Files.writeString(file, source);
                out.add(new Snippet(name, source, file, !code.startsWith("// compile-only")));
            }
        }
        return out;
    }

    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("docs")))) dir = dir.getParent();
        if (dir == null) throw new IllegalStateException("no README.md with a docs/ folder above " + Path.of("").toAbsolutePath());
        return dir;
    }
}
