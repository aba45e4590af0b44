package io.agentbox.server.console;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** One browser tab: navigate, read the DOM with JavaScript, click, type, screenshot. */
final class BrowserPage implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    private final Cdp cdp;
    private final String session;
    private final String target;
    private final String context;
    private final List<String> consoleErrors = new CopyOnWriteArrayList<>();
    private final AutoCloseable subscription;

    BrowserPage(Cdp cdp, String session, String target, String context, int width, int height) {
        this.cdp = cdp;
        this.session = session;
        this.target = target;
        this.context = context;
        this.subscription = cdp.onEvent(e -> {
            if (!session.equals(e.path("sessionId").asText())) return;
            String m = e.path("method").asText();
            if (m.equals("Runtime.exceptionThrown")) consoleErrors.add(e.at("/params/exceptionDetails").toString());
            if (m.equals("Runtime.consoleAPICalled") && e.at("/params/type").asText().equals("error")) consoleErrors.add(e.at("/params/args").toString());
        });
        send("Runtime.enable", Map.of());
        send("Page.enable", Map.of());
        viewport(width, height);
    }

    JsonNode send(String method, Map<String, ?> params) {
        return cdp.send(session, method, params);
    }

    void viewport(int width, int height) {
        send("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", width < 600));
    }

    void open(String url) {
        send("Page.navigate", Map.of("url", url));
        waitFor("document.readyState !== 'loading' && document.querySelector('#app > *:not(.boot)')", "the console to load at " + url);
    }

    /** Evaluates a JavaScript expression (awaiting a promise) and returns its value as JSON. */
    JsonNode eval(String expression) {
        JsonNode r = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (r.has("exceptionDetails")) throw new IllegalStateException("JavaScript failed: " + expression + ": " + r.get("exceptionDetails"));
        return r.at("/result/value");
    }

    String text(String selector) {
        return eval("(document.querySelector(" + js(selector) + ")?.textContent ?? null)").asText(null);
    }

    boolean exists(String selector) {
        return eval("!!document.querySelector(" + js(selector) + ")").asBoolean();
    }

    int count(String selector) {
        return eval("document.querySelectorAll(" + js(selector) + ").length").asInt();
    }

    /** Polls a JavaScript condition until it is true; fails naming {@code what} after {@link #WAIT}. */
    void waitFor(String condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                if (eval("!!(" + condition + ")").asBoolean()) return;
            } catch (IllegalStateException e) {
                last = e.getMessage(); // the page is navigating
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("timed out waiting for " + what + " (" + condition + ") " + last
                + "; page text: " + eval("document.body.innerText.slice(0, 1500)").asText() + "; errors: " + consoleErrors);
    }

    void waitForSelector(String selector) {
        waitFor("document.querySelector(" + js(selector) + ")", selector);
    }

    /** Clicks the element's center with the mouse, as a user would. */
    void click(String selector) {
        waitForSelector(selector);
        JsonNode box = eval("(() => { const e = document.querySelector(" + js(selector) + "); e.scrollIntoView({block: 'center'});"
                + " const r = e.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()");
        double x = box.get("x").asDouble(), y = box.get("y").asDouble();
        send("Input.dispatchMouseEvent", Map.of("type", "mousePressed", "x", x, "y", y, "button", "left", "clickCount", 1));
        send("Input.dispatchMouseEvent", Map.of("type", "mouseReleased", "x", x, "y", y, "button", "left", "clickCount", 1));
    }

    /** Focuses the field, empties it and types the text (as key input, so the page's handlers see it). */
    void type(String selector, String text) {
        waitForSelector(selector);
        eval("(() => { const e = document.querySelector(" + js(selector) + "); e.focus(); e.select?.(); })()");
        send("Input.dispatchKeyEvent", Map.of("type", "keyDown", "key", "Backspace", "code", "Backspace", "windowsVirtualKeyCode", 8));
        send("Input.dispatchKeyEvent", Map.of("type", "keyUp", "key", "Backspace", "code", "Backspace", "windowsVirtualKeyCode", 8));
        send("Input.insertText", Map.of("text", text));
    }

    /** Chooses an option of a select element. */
    void select(String selector, String value) {
        waitForSelector(selector);
        eval("(() => { const e = document.querySelector(" + js(selector) + "); e.value = " + js(value)
                + "; e.dispatchEvent(new Event('change', {bubbles: true})); })()");
    }

    /** Presses and releases a key: {@code Tab}, {@code Enter}, {@code Escape}, … */
    void press(String key) {
        int code = switch (key) {
            case "Tab" -> 9;
            case "Enter" -> 13;
            case "Escape" -> 27;
            case " " -> 32;
            default -> throw new IllegalArgumentException(key);
        };
        Map<String, Object> down = new java.util.HashMap<>(Map.of("type", "keyDown", "key", key, "code", key.equals(" ") ? "Space" : key,
                "windowsVirtualKeyCode", code));
        if (key.equals("Enter")) down.put("text", "\r");
        if (key.equals(" ")) down.put("text", " ");
        send("Input.dispatchKeyEvent", down);
        send("Input.dispatchKeyEvent", Map.of("type", "keyUp", "key", key, "code", key.equals(" ") ? "Space" : key, "windowsVirtualKeyCode", code));
    }

    /** Presses Tab until the focused element matches the selector; fails after {@code max} presses. */
    void tabTo(String selector, int max) {
        for (int i = 0; i < max; i++) {
            press("Tab");
            if (eval("!!document.activeElement?.matches(" + js(selector) + ")").asBoolean()) return;
        }
        throw new AssertionError("Tab never reached " + selector + "; focus is on " + eval("document.activeElement?.outerHTML.slice(0, 200)").asText());
    }

    void screenshot(Path file) throws java.io.IOException {
        Files.createDirectories(file.getParent());
        String data = send("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", false)).get("data").asText();
        Files.write(file, Base64.getDecoder().decode(data));
    }

    /** Lets downloads of this page's context go to {@code dir}. */
    void downloadsTo(Path dir) {
        cdp.send(null, "Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath", dir.toString(), "browserContextId", context));
    }

    List<String> consoleErrors() {
        return new ArrayList<>(consoleErrors);
    }

    static String js(String s) {
        try {
            return Cdp.JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            subscription.close();
            cdp.send(null, "Target.closeTarget", Map.of("targetId", target));
            cdp.send(null, "Target.disposeBrowserContext", Map.of("browserContextId", context));
        } catch (Exception ignored) {
            // the browser may be gone already
        }
    }
}
