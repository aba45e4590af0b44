package io.agentbox.cli.agent;

import io.agentbox.agent.model.AnthropicModelClient;
import io.agentbox.agent.model.ModelClient;
import io.agentbox.cli.Terminal;
import io.agentbox.testkit.FakeAnthropic;
import io.agentbox.testkit.Reply;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code agentbox demo}: a short session in which a scripted stand-in for Claude (the testkit's
 * fake Messages API on a local port) drives the real agent loop, the real tools and a real
 * sandbox, so the whole thing can be seen working before there is an API key.
 */
@Command(name = "demo", description = "Watch an agent at work in a real sandbox, driven by a scripted demo model (no API key needed).")
public final class DemoCommand implements Callable<Integer> {
    static final String PROMPT = "Write fizzbuzz.py for 1 to 15 and run it, then make it count to 20 and check the last lines.";

    private static final String FIZZBUZZ = """
            for i in range(1, 16):
                if i % 15 == 0:
                    print("FizzBuzz")
                elif i % 3 == 0:
                    print("Fizz")
                elif i % 5 == 0:
                    print("Buzz")
                else:
                    print(i)
            """;

    @Spec
    private CommandSpec spec;

    @Option(names = "--no-color", description = "No colours (also when NO_COLOR is set).")
    private boolean noColor;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        AgentFlags flags = new AgentFlags();
        flags.noColor = noColor;
        try (FakeAnthropic model = FakeAnthropic.start()) {
            model.enqueue(script());
            ModelClient client = AnthropicModelClient.builder().apiKey("demo-key-not-a-secret")
                    .baseUrl(model.baseUrl()).build();
            ConsoleRenderer.Style style = new ConsoleRenderer.Style(Terminal.colorFor(Terminal.STDERR, noColor));
            err.println(style.bold("agentbox demo") + " · " + style.yellow("scripted demo model")
                    + style.dim(" (a stand-in for Claude on a local port: no API key, no network) driving the real agent loop, real tools and a real sandbox"));
            err.println(style.bold("› ") + PROMPT);
            err.flush();
            int code = RunCommand.run(flags, client, PROMPT, Optional.empty(), Optional.empty(), spec);
            err.println();
            err.println("That was a scripted model. With your own key, the same in one line:");
            err.println("  export ANTHROPIC_API_KEY=sk-ant-...");
            err.println("  agentbox run \"Write fizzbuzz.py, run it and show me the output\"");
            err.flush();
            return code;
        }
    }

    /** The demo model's turns: write, run, edit, run again, answer. Usage figures are what a real call of this size reports. */
    private static Reply[] script() {
        Duration think = Duration.ofMillis(400);
        Duration typing = Duration.ofMillis(12);
        return new Reply[] {
                Reply.builder().text("I'll write the script first.")
                        .toolUse("Write", Map.of("file_path", "/workspace/fizzbuzz.py", "content", FIZZBUZZ))
                        .usage(2_400, 160).firstByteDelay(think).chunkDelay(typing).build(),
                Reply.builder().toolUse("Bash", Map.of("command", "python3 fizzbuzz.py"))
                        .usage(2_650, 40).firstByteDelay(think).chunkDelay(typing).build(),
                Reply.builder().text("It prints 1 to 15 with Fizz, Buzz and FizzBuzz in the right places. Now up to 20:")
                        .toolUse("Edit", Map.of("file_path", "/workspace/fizzbuzz.py", "old_string", "range(1, 16)", "new_string", "range(1, 21)"))
                        .usage(2_800, 90).firstByteDelay(think).chunkDelay(typing).build(),
                Reply.builder().toolUse("Bash", Map.of("command", "python3 fizzbuzz.py | tail -n 5"))
                        .usage(2_950, 40).firstByteDelay(think).chunkDelay(typing).build(),
                Reply.builder().text("Done: `fizzbuzz.py` now counts to 20, and the last lines are 16, 17, Fizz, 19, Buzz.")
                        .usage(3_050, 30).firstByteDelay(think).chunkDelay(typing).build(),
        };
    }
}
