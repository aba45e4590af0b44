package io.agentbox.agent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.sandbox.Command;
import io.agentbox.sandbox.CommandResult;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * WebFetch: fetches a URL from inside the sandbox with curl, so the sandbox's network policy
 * applies (with network {@code none} it fails). HTML is reduced to text.
 */
final class WebFetchTool extends SandboxTool {
    static final int MAX_CHARS = 100_000;
    /** Reads the body on stdin, strips markup when it is HTML. */
    private static final String TO_TEXT = """
            import html, re, sys
            data = sys.stdin.buffer.read().decode("utf-8", "replace")
            if re.search(r"<(html|body|div|p)\\b", data[:5000], re.I):
                data = re.sub(r"(?is)<(script|style|noscript)\\b.*?</\\1>", " ", data)
                data = re.sub(r"(?i)<br\\s*/?>|</(p|div|h[1-6]|li|tr|pre)>", "\\n", data)
                data = html.unescape(re.sub(r"<[^>]+>", "", data))
                data = re.sub(r"[ \\t]+", " ", data)
                data = re.sub(r"\\n\\s*\\n+", "\\n\\n", data).strip()
            sys.stdout.write(data)
            """;

    WebFetchTool() {
        super("WebFetch", ToolAccess.EXECUTE, """
                Fetches the content of a URL (http or https) from inside the sandbox and returns it as text \
                (HTML is reduced to text), for you to answer the prompt with. Subject to the sandbox's network \
                policy: without network access it fails.""",
                Schema.object()
                        .string("url", true, "The URL to fetch content from")
                        .string("prompt", true, "What to extract from the fetched content"));
    }

    @Override
    public Optional<String> ruleSubject(JsonNode input) {
        return subject(input, "url");
    }

    @Override
    ToolOutput run(JsonNode input, ToolContext ctx) {
        String url = Schema.requireString(input, "url");
        String prompt = Schema.optString(input, "prompt").orElse("");
        String scheme;
        try {
            scheme = Optional.ofNullable(URI.create(url).getScheme()).orElse("").toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return ToolOutput.error("Invalid URL: " + url);
        }
        if (!scheme.equals("http") && !scheme.equals("https")) return ToolOutput.error("Only http and https URLs can be fetched, got: " + url);
        CommandResult fetched = ctx.run(Command.builder("curl", "--silent", "--show-error", "--location", "--max-redirs", "5",
                        "--max-time", "30", "--max-filesize", "10485760", "--proto", "=http,https", "--user-agent", "agentbox-webfetch",
                        "--fail-with-body", "--", url)
                .timeout(Duration.ofSeconds(40)).outputLimit(10 * 1024 * 1024).build());
        if (fetched.exitCode() == 127) return ToolOutput.error("WebFetch needs curl in the sandbox, and this sandbox has none.");
        if (!fetched.isSuccess()) {
            String why = fetched.stderr().strip();
            boolean offline = fetched.exitCode() == 6 || fetched.exitCode() == 7 || why.contains("resolve host");
            return ToolOutput.error("WebFetch failed for " + url + ": " + (why.isEmpty() ? "curl exit " + fetched.exitCode() : why)
                    + (offline ? "\nThe sandbox's network policy may not allow this host (network none blocks every request)." : ""));
        }
        CommandResult text = ctx.run(Command.builder("python3", "-c", TO_TEXT).stdin(fetched.stdoutBytes())
                .timeout(Duration.ofSeconds(30)).build());
        String body = text.isSuccess() ? text.stdout() : fetched.stdout();
        String capped = body.length() > MAX_CHARS ? body.substring(0, MAX_CHARS) + "\n[content truncated at " + MAX_CHARS + " characters]" : body;
        return ToolOutput.ok("Content of " + url + (prompt.isEmpty() ? "" : " (fetched for: " + prompt + ")") + ":\n\n" + capped);
    }
}
