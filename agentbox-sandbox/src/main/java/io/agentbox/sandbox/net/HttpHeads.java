package io.agentbox.sandbox.net;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Small edits of HTTP/1 request heads (proxy requests, injected headers). */
final class HttpHeads {
    private HttpHeads() {}

    /**
     * A proxy's absolute-form request ({@code GET http://host/path}) as the origin expects it
     * ({@code GET /path}, Host kept), with {@code Connection: close} so a kept-alive proxy connection
     * cannot carry a second request to another host through this upstream.
     */
    static byte[] toOriginForm(byte[] head) {
        List<String> lines = lines(head);
        String[] req = lines.get(0).split(" ");
        String target = req[1];
        if (target.regionMatches(true, 0, "http://", 0, 7)) {
            int slash = target.indexOf('/', 7);
            String authority = target.substring(7, slash < 0 ? target.length() : slash);
            target = slash < 0 ? "/" : target.substring(slash);
            if (lines.stream().skip(1).noneMatch(l -> name(l).equals("host"))) lines.add(1, "Host: " + authority);
        }
        lines.set(0, req[0] + " " + target + " " + req[2]);
        lines.removeIf(l -> name(l).equals("proxy-connection") || name(l).equals("connection") || name(l).equals("proxy-authorization"));
        lines.add("Connection: close");
        return join(lines);
    }

    /** The head with {@code header} set to {@code value} (every earlier value of it removed). */
    static byte[] withHeader(byte[] head, String header, String value) {
        List<String> lines = lines(head);
        String lower = header.toLowerCase(Locale.ROOT);
        lines.removeIf(l -> name(l).equals(lower));
        lines.add(header + ": " + value);
        return join(lines);
    }

    static String name(String line) {
        int c = line.indexOf(':');
        return c <= 0 ? "" : line.substring(0, c).trim().toLowerCase(Locale.ROOT);
    }

    static String value(List<String> lines, String header) {
        for (int i = 1; i < lines.size(); i++) {
            if (name(lines.get(i)).equals(header)) return lines.get(i).substring(lines.get(i).indexOf(':') + 1).trim();
        }
        return null;
    }

    static List<String> lines(byte[] head) {
        String s = new String(head, StandardCharsets.ISO_8859_1);
        if (s.endsWith("\r\n\r\n")) s = s.substring(0, s.length() - 4);
        return new ArrayList<>(List.of(s.split("\r\n")));
    }

    private static byte[] join(List<String> lines) {
        return (String.join("\r\n", lines) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }
}
