package io.agentbox.testkit;

import io.agentbox.sandbox.Durations;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link FakeAnthropic} as a process, e.g. for the Claude Code CLI or a benchmark:
 *
 * <pre>
 * java -cp CLASSPATH io.agentbox.testkit.FakeAnthropicMain [--port 0] [--script FILE]
 *     [--per-conversation] [--chunk-size 8] [--portfile FILE] [--log FILE] [--lifetime 10m]
 * </pre>
 *
 * It prints {@code listening on http://127.0.0.1:PORT}, writes the port to the port file once it
 * accepts connections, appends every request to the log as one JSON line (credentials redacted),
 * and runs until it is killed or its lifetime ends.
 */
public final class FakeAnthropicMain {
    private FakeAnthropicMain() {}

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException | ScriptException e) {
            System.err.println("fake-anthropic: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        run(options, System.out);
    }

    static final String USAGE = """
            usage: FakeAnthropicMain [--port N] [--script FILE] [--per-conversation] [--chunk-size N]
                                     [--portfile FILE] [--log FILE] [--lifetime DURATION]
              --port N            port on 127.0.0.1 (default 0: a free one)
              --script FILE       JSON script to play (default: none, every request fails with "script exhausted")
              --per-conversation  replay the script in every conversation, whatever the file's "mode"
              --chunk-size N      characters per delta chunk (default 8)
              --portfile FILE     write the port here once listening
              --log FILE          append each request as a JSON line (credentials redacted)
              --lifetime D        exit after D, e.g. 90s or 10m (default: run until killed)""";

    private static void run(Options options, PrintStream out) {
        Writer log = options.log.map(FakeAnthropicMain::openLog).orElse(null);
        FakeAnthropic.Builder builder = FakeAnthropic.builder().port(options.port).chunkSize(options.chunkSize);
        if (log != null) {
            builder.onRequest(request -> appendLine(log, request.toJson().toString()));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        FakeAnthropic fake = builder.start();
        try {
            options.script.ifPresent(script -> fake.load(options.perConversation ? script.perConversation() : script));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                fake.close();
                stopped.countDown();
            }));
            options.portfile.ifPresent(file -> writeAtomically(file, Integer.toString(fake.port())));
            out.println("listening on " + fake.baseUrl());
            out.flush();
            if (options.lifetime.isPresent()) {
                stopped.await(options.lifetime.get().toMillis(), TimeUnit.MILLISECONDS);
            } else {
                stopped.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            fake.close();
            if (log != null) {
                synchronized (log) {
                    try {
                        log.close();
                    } catch (IOException e) {
                        System.err.println("fake-anthropic: cannot close the request log: " + e.getMessage());
                    }
                }
            }
        }
    }

    private static Writer openLog(Path file) {
        try {
            return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the request log " + file, e);
        }
    }

    private static void appendLine(Writer log, String line) {
        synchronized (log) {
            try {
                log.write(line);
                log.write('\n');
                log.flush();
            } catch (IOException e) {
                System.err.println("fake-anthropic: cannot write the request log: " + e.getMessage());
            }
        }
    }

    /** Readers poll for the port file: they must never see it half written. */
    private static void writeAtomically(Path file, String content) {
        try {
            Path abs = file.toAbsolutePath();
            Path tmp = Files.createTempFile(abs.getParent(), ".port", ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the port file " + file, e);
        }
    }

    private record Options(int port, Optional<Script> script, boolean perConversation, int chunkSize,
            Optional<Path> portfile, Optional<Path> log, Optional<Duration> lifetime) {

        static Options parse(String[] args) {
            int port = 0;
            Optional<Script> script = Optional.empty();
            boolean perConversation = false;
            int chunkSize = FakeAnthropic.DEFAULT_CHUNK_SIZE;
            Optional<Path> portfile = Optional.empty();
            Optional<Path> log = Optional.empty();
            Optional<Duration> lifetime = Optional.empty();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--port" -> port = integer(arg, value(args, ++i, arg));
                    case "--script" -> script = Optional.of(Script.load(Path.of(value(args, ++i, arg))));
                    case "--per-conversation" -> perConversation = true;
                    case "--chunk-size" -> chunkSize = integer(arg, value(args, ++i, arg));
                    case "--portfile" -> portfile = Optional.of(Path.of(value(args, ++i, arg)));
                    case "--log" -> log = Optional.of(Path.of(value(args, ++i, arg)));
                    case "--lifetime" -> lifetime = Optional.of(Durations.parse(value(args, ++i, arg)));
                    default -> throw new IllegalArgumentException("unknown option " + arg);
                }
            }
            return new Options(port, script, perConversation, chunkSize, portfile, log, lifetime);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static int integer(String option, String value) {
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a whole number, got " + value);
            }
        }
    }
}
