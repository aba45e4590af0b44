package io.agentbox.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FakeAnthropicMainTest {

    @Test
    void runsAsAProcessThatWritesItsPortAndLogsRequestsWithoutTheKey(@TempDir Path dir) throws Exception {
        Path portfile = dir.resolve("port");
        Path log = dir.resolve("requests.jsonl");
        Process process = java(dir, "--port", "0", "--script", ScriptJsonTest.resource("per-conversation.json").toString(),
                "--per-conversation", "--portfile", portfile.toString(), "--log", log.toString(), "--lifetime", "2m");
        try {
            int port = Integer.parseInt(awaitFile(portfile, process));
            AnthropicClient client = AnthropicOkHttpClient.builder()
                    .baseUrl("http://127.0.0.1:" + port).apiKey(SdkClients.KEY).maxRetries(0).build();

            var first = SdkClients.stream(client, SdkClients.params("hello"));
            var again = SdkClients.stream(client, SdkClients.params("hello"));

            assertThat(first.content().getFirst().text().orElseThrow().text()).isEqualTo("step one");
            assertThat(again.content().getFirst().text().orElseThrow().text()).isEqualTo("step one");
            List<String> lines = Files.readAllLines(log);
            assertThat(lines).hasSize(2);
            assertThat(Json.parse(lines.getFirst()).path("path").asText()).isEqualTo("/v1/messages");
            assertThat(Files.readString(log)).doesNotContain(SdkClients.KEY);
        } finally {
            process.destroy();
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(dir.resolve("stdout"))).startsWith("listening on http://127.0.0.1:");
    }

    @Test
    void rejectsABadCommandLineWithUsage(@TempDir Path dir) throws Exception {
        Process process = java(dir, "--script");
        try {
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(2);
            assertThat(Files.readString(dir.resolve("stderr")))
                    .contains("--script needs a value").contains("usage: FakeAnthropicMain");
        } finally {
            process.destroyForcibly();
        }
    }

    private static Process java(Path dir, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FakeAnthropicMain.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile())
                .start();
    }

    private static String awaitFile(Path file, Process process) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                return Files.readString(file).strip();
            }
            assertThat(process.isAlive()).as("the fake process is running").isTrue();
            TimeUnit.MILLISECONDS.sleep(20);
        }
        throw new AssertionError("no port file within 30 s");
    }
}
