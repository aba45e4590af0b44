package io.agentbox.sandbox.net;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The little of the DNS wire format the sandbox's resolver needs: one question in, A answers out. */
final class Dns {
    static final int TYPE_A = 1;
    static final int RCODE_OK = 0, RCODE_FORMERR = 1, RCODE_SERVFAIL = 2, RCODE_NXDOMAIN = 3, RCODE_REFUSED = 5;

    record Question(int id, String name, int type, int flags, int end) {}

    private Dns() {}

    static Optional<Question> parse(byte[] m) {
        if (m.length < 12) return Optional.empty();
        int id = u16(m, 0), flags = u16(m, 2), qd = u16(m, 4);
        if ((flags & 0x8000) != 0 || qd != 1) return Optional.empty();
        StringBuilder name = new StringBuilder();
        int p = 12;
        while (true) {
            if (p >= m.length) return Optional.empty();
            int len = m[p] & 0xff;
            if (len == 0) { p++; break; }
            if (len > 63 || p + 1 + len > m.length) return Optional.empty(); // no compression in questions
            if (!name.isEmpty()) name.append('.');
            name.append(new String(m, p + 1, len, StandardCharsets.ISO_8859_1));
            p += 1 + len;
        }
        if (p + 4 > m.length) return Optional.empty();
        return Optional.of(new Question(id, name.toString().toLowerCase(Locale.ROOT), u16(m, p), flags, p + 4));
    }

    /** An answer to {@code q} (which came in {@code query}) with these IPv4 addresses, or an error code. */
    static byte[] answer(byte[] query, Question q, int rcode, List<InetAddress> addrs) {
        List<InetAddress> v4 = rcode == RCODE_OK && q.type() == TYPE_A
                ? addrs.stream().filter(a -> a instanceof Inet4Address).toList() : List.of();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        put16(out, q.id());
        put16(out, 0x8000 | (q.flags() & 0x0100) | 0x0080 | rcode); // QR, RD echoed, RA
        put16(out, 1);
        put16(out, v4.size());
        put16(out, 0);
        put16(out, 0);
        out.write(query, 12, q.end() - 12);
        for (InetAddress a : v4) {
            put16(out, 0xc00c); // the question's name
            put16(out, TYPE_A);
            put16(out, 1);
            put16(out, 0);
            put16(out, 5); // a short TTL: policy changes reach cached names quickly
            put16(out, 4);
            out.writeBytes(a.getAddress());
        }
        return out.toByteArray();
    }

    static byte[] error(byte[] query, int rcode) {
        int id = query.length >= 2 ? u16(query, 0) : 0;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        put16(out, id);
        put16(out, 0x8080 | rcode);
        for (int i = 0; i < 4; i++) put16(out, 0);
        return out.toByteArray();
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | b[i + 1] & 0xff;
    }

    private static void put16(ByteArrayOutputStream o, int v) {
        o.write(v >> 8 & 0xff);
        o.write(v & 0xff);
    }
}
