package io.agentbox.server.console;

import io.agentbox.server.support.TestFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Headless Chromium (apt's {@code chromium}) driven over the DevTools protocol; one per test class. */
final class Chromium implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final List<String> BINARIES = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");

    private final Process process;
    private final Path profile;
    final Cdp cdp;

    private Chromium(Process process, Path profile, Cdp cdp) {
        this.process = process;
        this.profile = profile;
        this.cdp = cdp;
    }

    static Optional<Path> binary() {
        String env = System.getenv("CHROMIUM");
        if (env != null && Files.isExecutable(Path.of(env))) return Optional.of(Path.of(env));
        return BINARIES.stream().map(Path::of).filter(Files::isExecutable).findFirst();
    }

    static Chromium launch() throws IOException {
        Path bin = binary().orElseThrow(() -> new IllegalStateException("no chromium: apt-get install chromium (./setup.sh --deps-only does)"));
        Path profile = Files.createTempDirectory("agentbox-chromium-");
        Process p = new ProcessBuilder(bin.toString(), "--headless=new", "--remote-debugging-port=0", "--user-data-dir=" + profile,
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--mute-audio", "--hide-scrollbars", "--force-color-profile=srgb", "--lang=en-US", "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) url.complete(m.group(1));
                }
            } catch (IOException ignored) {
                // the browser went away
            }
            url.completeExceptionally(new IllegalStateException("chromium exited before it listened"));
        });
        try {
            return new Chromium(p, profile, new Cdp(url.get(30, TimeUnit.SECONDS)));
        } catch (Exception e) {
            p.destroyForcibly();
            TestFiles.deleteRecursively(profile);
            throw new IllegalStateException("chromium did not start", e);
        }
    }

    /** A page in a fresh browser context: its own cookies and storage. */
    BrowserPage newPage(int width, int height) {
        String context = cdp.send(null, "Target.createBrowserContext", Map.of("disposeOnDetach", true)).get("browserContextId").asText();
        String target = cdp.send(null, "Target.createTarget", Map.of("url", "about:blank", "browserContextId", context)).get("targetId").asText();
        String session = cdp.send(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true)).get("sessionId").asText();
        return new BrowserPage(cdp, session, target, context, width, height);
    }

    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        try {
            cdp.send(null, "Browser.close", Map.of());
        } catch (RuntimeException ignored) {
            // it is going anyway
        }
        cdp.close();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
        TestFiles.deleteRecursively(profile);
    }
}
