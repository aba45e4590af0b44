package io.agentbox.sandbox.net;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Forwards the HTTP/1 requests of one sandbox connection to one upstream, rewriting every request head
 * (so each request of a kept-alive connection gets its headers); the request bodies are copied by their
 * framing, the responses flow back as they come (never buffered: streamed responses stay streamed).
 */
final class HttpForward {
    private static final int MAX_HEAD = 64 * 1024;

    /** The two ends of a byte stream, and how to end them. */
    interface Stream {
        InputStream in();

        OutputStream out();

        /** Ends the sending direction (the peer reads end of stream). */
        void shutdownOutput();

        void close();
    }

    private HttpForward() {}

    /**
     * Runs until both sides are done; closes both. {@code rewrite} edits the head's lines (request line first).
     * A request that goes upstream with {@code Connection: close} (the client's, or one that the egress set,
     * as for proxy requests) is the connection's last: no further request is read, the client's response
     * says {@code Connection: close} too, and the client's side ends after it, so a client never reuses a
     * connection whose upstream is gone (it would get a reset on its next request).
     */
    static void run(Stream client, Stream upstream, UnaryOperator<List<String>> rewrite) {
        java.util.concurrent.atomic.AtomicBoolean closeAfterFirst = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CountDownLatch firstSent = new java.util.concurrent.CountDownLatch(1);
        Thread back = Thread.ofVirtual().start(() -> {
            try {
                InputStream in = new java.io.BufferedInputStream(upstream.in());
                OutputStream out = client.out();
                if (awaitFirst(firstSent) && closeAfterFirst.get()) closingResponseHead(in, out);
                byte[] buf = new byte[16 * 1024];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
                client.shutdownOutput();
            } catch (IOException e) {
                client.close();
                upstream.close();
            }
        });
        boolean last = false;
        InputStream in = new java.io.BufferedInputStream(client.in());
        try {
            OutputStream out = upstream.out();
            boolean first = true;
            while (!last) {
                byte[] head = readHead(in);
                if (head == null) break;
                List<String> lines = rewrite.apply(HttpHeads.lines(head));
                last = closes(lines);
                if (first) {
                    closeAfterFirst.set(last);
                    first = false;
                }
                out.write((String.join("\r\n", lines) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                firstSent.countDown();
                String te = HttpHeads.value(lines, "transfer-encoding");
                String cl = HttpHeads.value(lines, "content-length");
                if (HttpHeads.value(lines, "upgrade") != null || lines.get(0).toUpperCase(Locale.ROOT).startsWith("CONNECT ")) {
                    in.transferTo(new FlushingOut(out));
                    break;
                } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
                    chunked(in, out);
                } else if (cl != null) {
                    copy(in, out, Long.parseLong(cl.trim()));
                }
            }
            firstSent.countDown();
            upstream.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            firstSent.countDown();
            upstream.close();
            client.close();
        }
        if (last) {
            // Whatever else the client sent (a pipelined request) is read and dropped until it closes: closing
            // with unread bytes would reset the connection and could destroy the response on its way.
            Thread drain = Thread.ofVirtual().start(() -> discard(in));
            join(back, null);
            join(drain, LINGER);
        } else {
            join(back, null);
        }
        client.close();
        upstream.close();
    }

    /** How long a closing client connection is drained after its last response. */
    private static final java.time.Duration LINGER = java.time.Duration.ofSeconds(5);

    private static boolean awaitFirst(java.util.concurrent.CountDownLatch firstSent) {
        try {
            firstSent.await();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void join(Thread t, java.time.Duration limit) {
        try {
            if (limit == null) t.join(); else t.join(limit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void discard(InputStream in) {
        byte[] buf = new byte[16 * 1024];
        try {
            while (in.read(buf) >= 0) {
                // dropped
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** Whether a request head's Connection header has the {@code close} option. */
    static boolean closes(List<String> lines) {
        for (int i = 1; i < lines.size(); i++) {
            if (!HttpHeads.name(lines.get(i)).equals("connection")) continue;
            String v = lines.get(i).substring(lines.get(i).indexOf(':') + 1);
            for (String option : v.split(",")) if (option.trim().equalsIgnoreCase("close")) return true;
        }
        return false;
    }

    /**
     * Copies interim (1xx) response heads as they are and the final one with {@code Connection: close}
     * in place of any connection options (a 101 switch keeps its own).
     */
    private static void closingResponseHead(InputStream in, OutputStream out) throws IOException {
        while (true) {
            byte[] head = readHead(in);
            if (head == null) return;
            List<String> lines = HttpHeads.lines(head);
            String[] status = lines.get(0).split(" ", 3);
            int code = status.length > 1 && status[1].matches("\\d{3}") ? Integer.parseInt(status[1]) : 0;
            if (code >= 100 && code < 200) {
                out.write(head);
                out.flush();
                if (code == 101) return;
                continue;
            }
            lines.removeIf(l -> List.of("connection", "keep-alive", "proxy-connection").contains(HttpHeads.name(l)));
            lines.add("Connection: close");
            out.write((String.join("\r\n", lines) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return;
        }
    }

    /** The bytes of one message head, CRLFCRLF included; null at a clean end of stream. */
    static byte[] readHead(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(1024);
        int state = 0;
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (b.size() == 0) return null;
                throw new EOFException("connection closed inside a request head");
            }
            if (b.size() == 0 && (c == '\r' || c == '\n')) continue; // stray line breaks between requests
            b.write(c);
            if (b.size() > MAX_HEAD) throw new IOException("request head too large");
            state = c == '\r' ? (state == 2 ? 3 : 1) : c == '\n' ? (state == 1 ? 2 : state == 3 ? 4 : 0) : 0;
            if (state == 4) return b.toByteArray();
        }
    }

    private static void chunked(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String line = line(in);
            out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            int semi = line.indexOf(';');
            long size = Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
            if (size == 0) {
                String t;
                do {
                    t = line(in);
                    out.write((t + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                } while (!t.isEmpty());
                out.flush();
                return;
            }
            copy(in, out, size);
            String end = line(in);
            if (!end.isEmpty()) throw new IOException("bad chunk end");
            out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) throw new EOFException();
            if (c == '\n') break;
            if (sb.length() > 8192) throw new IOException("line too long");
            sb.append((char) c);
        }
        if (sb.length() > 0 && sb.charAt(sb.length() - 1) == '\r') sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    private static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[16 * 1024];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) throw new EOFException();
            out.write(buf, 0, r);
            out.flush();
            n -= r;
        }
    }

    private static final class FlushingOut extends java.io.FilterOutputStream {
        FlushingOut(OutputStream out) {
            super(out);
        }

        @Override public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            out.flush();
        }
    }

    /** A connection of the egress as a {@link Stream}. */
    static Stream of(Conn c) {
        return new Stream() {
            @Override public InputStream in() { return c.in(); }
            @Override public OutputStream out() { return c.out(); }
            @Override public void shutdownOutput() { c.shutdownOutput(); }
            @Override public void close() { c.close(); }
        };
    }

    /** A socket (plain or TLS) as a {@link Stream}. */
    static Stream of(java.net.Socket s) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        return new Stream() {
            @Override public InputStream in() { return in; }
            @Override public OutputStream out() { return out; }
            @Override public void shutdownOutput() {
                try {
                    s.shutdownOutput();
                } catch (IOException e) {
                    // closed
                }
            }
            @Override public void close() {
                try {
                    s.close();
                } catch (IOException e) {
                    // closed
                }
            }
        };
    }
}
