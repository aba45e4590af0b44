package io.agentbox.sandbox.net;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * What the first bytes of a connection say about where it goes: the TLS ClientHello's server name,
 * or an HTTP/1 request's Host (or CONNECT / absolute-form target). Never an environment variable.
 */
final class Sniff {
    enum Kind { TLS, HTTP, OTHER, INCOMPLETE }

    /**
     * @param kind   what the bytes are
     * @param host   the name they carry, when they carry one
     * @param port   the port an HTTP request names (CONNECT, absolute-form, Host with a port), else -1
     * @param method the HTTP method
     * @param headEnd the offset after an HTTP request head
     */
    record Result(Kind kind, Optional<String> host, int port, String method, int headEnd) {
        static Result of(Kind k) { return new Result(k, Optional.empty(), -1, "", 0); }
    }

    static final int MAX = 64 * 1024;

    private Sniff() {}

    static Result inspect(byte[] b, int n) {
        if (n == 0) return Result.of(Kind.INCOMPLETE);
        if ((b[0] & 0xff) == 0x16) return tls(b, n);
        if (Character.isLetter(b[0] & 0xff)) return http(b, n);
        return Result.of(Kind.OTHER);
    }

    private static Result tls(byte[] b, int n) {
        if (n < 5) return Result.of(Kind.INCOMPLETE);
        int recLen = u16(b, 3);
        if (n < 5 + recLen) return n >= MAX ? Result.of(Kind.OTHER) : Result.of(Kind.INCOMPLETE);
        int p = 5, end = 5 + recLen;
        try {
            if ((b[p] & 0xff) != 1) return new Result(Kind.TLS, Optional.empty(), -1, "", 0); // not a ClientHello
            p += 4 + 2 + 32;                          // handshake header, version, random
            p += 1 + (b[p] & 0xff);                   // session id
            p += 2 + u16(b, p);                       // cipher suites
            p += 1 + (b[p] & 0xff);                   // compression methods
            if (p + 2 > end) return new Result(Kind.TLS, Optional.empty(), -1, "", 0);
            int extEnd = p + 2 + u16(b, p);
            p += 2;
            while (p + 4 <= Math.min(extEnd, end)) {
                int type = u16(b, p), len = u16(b, p + 2);
                p += 4;
                if (type == 0 && len >= 5) {          // server_name: list length, type 0 (host_name), name
                    int nameLen = u16(b, p + 3);
                    if ((b[p + 2] & 0xff) == 0 && p + 5 + nameLen <= end) {
                        String host = new String(b, p + 5, nameLen, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
                        return new Result(Kind.TLS, Optional.of(host), -1, "", 0);
                    }
                }
                p += len;
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            return Result.of(Kind.OTHER);
        }
        return new Result(Kind.TLS, Optional.empty(), -1, "", 0);
    }

    private static Result http(byte[] b, int n) {
        int headEnd = -1;
        for (int i = 3; i < n; i++) {
            if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') { headEnd = i + 1; break; }
        }
        if (headEnd < 0) {
            // a request line must look like one early on, or this is some other protocol
            for (int i = 0; i < Math.min(n, 16); i++) {
                int c = b[i] & 0xff;
                if (c == ' ') return n >= MAX ? Result.of(Kind.OTHER) : Result.of(Kind.INCOMPLETE);
                if (!Character.isLetter(c)) return Result.of(Kind.OTHER);
            }
            return n >= 16 ? Result.of(Kind.OTHER) : Result.of(Kind.INCOMPLETE);
        }
        String head = new String(b, 0, headEnd, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r\n");
        String[] req = lines[0].split(" ");
        if (req.length != 3 || !req[2].startsWith("HTTP/1.")) return Result.of(Kind.OTHER);
        String method = req[0].toUpperCase(Locale.ROOT);
        String target = req[1];
        String authority = null;
        if (method.equals("CONNECT")) {
            authority = target;
        } else if (target.regionMatches(true, 0, "http://", 0, 7)) {
            int slash = target.indexOf('/', 7);
            authority = target.substring(7, slash < 0 ? target.length() : slash);
        } else {
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                if (c > 0 && lines[i].substring(0, c).trim().equalsIgnoreCase("host")) { authority = lines[i].substring(c + 1).trim(); break; }
            }
        }
        if (authority == null || authority.isEmpty()) return new Result(Kind.HTTP, Optional.empty(), -1, method, headEnd);
        int at = authority.lastIndexOf('@');
        if (at >= 0) authority = authority.substring(at + 1);
        String host = authority;
        int port = -1;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            host = close > 0 ? authority.substring(1, close) : authority;
            if (close > 0 && close + 1 < authority.length() && authority.charAt(close + 1) == ':') port = parsePort(authority.substring(close + 2));
        } else {
            int colon = authority.lastIndexOf(':');
            if (colon >= 0) { host = authority.substring(0, colon); port = parsePort(authority.substring(colon + 1)); }
        }
        return new Result(Kind.HTTP, Optional.of(host.toLowerCase(Locale.ROOT)), port, method, headEnd);
    }

    private static int parsePort(String s) {
        try {
            int p = Integer.parseInt(s);
            return p > 0 && p < 65536 ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether {@code host} is an address literal rather than a name. */
    static boolean isIpLiteral(String host) {
        return host.matches("[0-9.]+") || host.contains(":") || host.matches("(0x[0-9a-f]+\\.?)+");
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | b[i + 1] & 0xff;
    }
}
