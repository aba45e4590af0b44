package io.agentbox.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The web console: {@code GET /} and {@code GET /assets/{file}}, static files from the jar's
 * {@code console/} directory. They are public because they hold no data: every figure the console shows
 * comes from {@code /v1} with the signed-in key. The content security policy allows scripts from this
 * origin only (and the one inline import map, by its hash), so an injected script cannot run and read
 * the key out of sessionStorage.
 */
public final class ConsoleRoutes {
    private static final String ROOT = "console/";
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)+");
    private static final Pattern IMPORT_MAP = Pattern.compile("<script type=\"importmap\">(.*?)</script>", Pattern.DOTALL);
    private static final Map<String, String> TYPES = Map.of(
            "js", "text/javascript; charset=utf-8", "mjs", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml", "png", "image/png", "txt", "text/plain; charset=utf-8", "html", "text/html; charset=utf-8",
            "ico", "image/x-icon");

    private final byte[] index;
    private final String policy;
    private final Map<String, Optional<byte[]>> assets = new ConcurrentHashMap<>();

    public ConsoleRoutes() {
        this.index = read(ROOT + "index.html").orElseThrow(() -> new IllegalStateException("the console's index.html is not on the class path"));
        Matcher m = IMPORT_MAP.matcher(new String(index, StandardCharsets.UTF_8));
        String scripts = m.find() ? " 'sha256-" + sha256(m.group(1)) + "'" : "";
        this.policy = "default-src 'none'; script-src 'self'" + scripts + "; style-src 'self'; img-src 'self' data:; "
                + "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/", "console", "The web console").tag("console").publicRoute()
                        .returns(200, "The console's page", "text/html")
                        .handle(c -> send(c, index, TYPES.get("html"))),
                ApiRoute.get("/assets/{file}", "consoleAsset", "A script, style sheet or image of the web console").tag("console").publicRoute()
                        .returns(200, "The file", "application/octet-stream")
                        .returns(404, "No such file", Schema.ref("Error"))
                        .handle(c -> {
                            String name = c.path("file");
                            byte[] body = FILE.matcher(name).matches()
                                    ? assets.computeIfAbsent(name, n -> read(ROOT + "assets/" + n)).orElse(null) : null;
                            if (body == null) throw ApiException.notFound("console file " + name);
                            String ext = name.substring(name.lastIndexOf('.') + 1);
                            send(c, body, TYPES.getOrDefault(ext, "application/octet-stream"));
                        }));
    }

    private void send(Call c, byte[] body, String type) {
        var ctx = c.ctx();
        ctx.status(200);
        ctx.contentType(type);
        ctx.header("Content-Security-Policy", policy);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Cache-Control", "no-cache");
        ctx.result(body);
    }

    private static Optional<byte[]> read(String resource) {
        try (InputStream in = ConsoleRoutes.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String s) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
