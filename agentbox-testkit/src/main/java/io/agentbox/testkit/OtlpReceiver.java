package io.agentbox.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * An OpenTelemetry collector for tests: an OTLP/HTTP receiver ({@code POST /v1/traces}, protobuf, gzip or
 * not) on loopback that keeps every span it is sent. Point an exporter at {@link #endpoint()} (e.g.
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT}) and look at {@link #spans()}.
 */
public final class OtlpReceiver implements AutoCloseable {
    /** One received span; ids are lowercase hex, {@code parentSpanId} is empty for a root. */
    public record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, int kind,
                               long startNanos, long endNanos, Map<String, Object> attributes, int statusCode,
                               String statusMessage, Map<String, Object> resource) {
        public Optional<Object> attribute(String key) {
            return Optional.ofNullable(attributes.get(key));
        }

        /** Status code 2 is ERROR in OTLP. */
        public boolean isError() {
            return statusCode == 2;
        }
    }

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    public static OtlpReceiver start() {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            OtlpReceiver r = new OtlpReceiver(s);
            s.createContext("/v1/traces", r::handle);
            s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            s.start();
            return r;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the OTLP receiver", e);
        }
    }

    /** The base URL for {@code OTEL_EXPORTER_OTLP_ENDPOINT}; traces go to {@code <endpoint>/v1/traces}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    /** Requests it could not decode (a test should expect none). */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    /** Waits until a received span matches, up to {@code timeout}. */
    public ReceivedSpan await(Predicate<ReceivedSpan> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (ReceivedSpan s : spans) if (match.test(s)) return s;
            if (System.nanoTime() > deadline) throw new AssertionError("no matching span within " + timeout + "; got " + names() + ", undecodable: " + failures);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    private List<String> names() {
        return spans.stream().map(ReceivedSpan::name).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            InputStream in = ex.getRequestBody();
            if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))) in = new GZIPInputStream(in);
            byte[] body = in.readAllBytes();
            try {
                decodeRequest(new Reader(body));
            } catch (RuntimeException e) {
                failures.add(String.valueOf(e));
                ex.sendResponseHeaders(400, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, 0); // an empty ExportTraceServiceResponse
            ex.getResponseBody().write(new byte[0]);
        }
    }

    // ---- the few protobuf messages of opentelemetry/proto/collector/trace/v1 and trace/v1 that carry spans

    private void decodeRequest(Reader r) {
        while (r.more()) {
            int tag = r.tag();
            if (tag >>> 3 == 1 && (tag & 7) == 2) resourceSpans(r.message());
            else r.skip(tag);
        }
    }

    private void resourceSpans(Reader r) {
        Map<String, Object> resource = new LinkedHashMap<>();
        List<Reader> scopes = new ArrayList<>();
        while (r.more()) {
            int tag = r.tag();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == 2) {
                Reader res = r.message();
                while (res.more()) {
                    int t = res.tag();
                    if (t >>> 3 == 1 && (t & 7) == 2) keyValue(res.message(), resource);
                    else res.skip(t);
                }
            } else if (field == 2 && (tag & 7) == 2) {
                scopes.add(r.message());
            } else {
                r.skip(tag);
            }
        }
        for (Reader scope : scopes) {
            while (scope.more()) {
                int tag = scope.tag();
                if (tag >>> 3 == 2 && (tag & 7) == 2) spans.add(span(scope.message(), resource));
                else scope.skip(tag);
            }
        }
    }

    private static ReceivedSpan span(Reader r, Map<String, Object> resource) {
        String traceId = "", spanId = "", parent = "", name = "", statusMessage = "";
        int kind = 0, statusCode = 0;
        long start = 0, end = 0;
        Map<String, Object> attributes = new LinkedHashMap<>();
        HexFormat hex = HexFormat.of();
        while (r.more()) {
            int tag = r.tag();
            switch (tag >>> 3) {
                case 1 -> traceId = hex.formatHex(r.bytes());
                case 2 -> spanId = hex.formatHex(r.bytes());
                case 4 -> parent = hex.formatHex(r.bytes());
                case 5 -> name = r.string();
                case 6 -> kind = (int) r.varint();
                case 7 -> start = r.fixed64();
                case 8 -> end = r.fixed64();
                case 9 -> keyValue(r.message(), attributes);
                case 15 -> {
                    Reader s = r.message();
                    while (s.more()) {
                        int t = s.tag();
                        if (t >>> 3 == 2) statusMessage = s.string();
                        else if (t >>> 3 == 3) statusCode = (int) s.varint();
                        else s.skip(t);
                    }
                }
                default -> r.skip(tag);
            }
        }
        return new ReceivedSpan(traceId, spanId, parent, name, kind, start, end, Map.copyOf(attributes), statusCode,
                statusMessage, Map.copyOf(resource));
    }

    private static void keyValue(Reader r, Map<String, Object> into) {
        String key = "";
        Object value = "";
        while (r.more()) {
            int tag = r.tag();
            if (tag >>> 3 == 1) key = r.string();
            else if (tag >>> 3 == 2) value = anyValue(r.message());
            else r.skip(tag);
        }
        into.put(key, value);
    }

    private static Object anyValue(Reader r) {
        Object value = "";
        while (r.more()) {
            int tag = r.tag();
            switch (tag >>> 3) {
                case 1 -> value = r.string();
                case 2 -> value = r.varint() != 0;
                case 3 -> value = r.varint();
                case 4 -> value = Double.longBitsToDouble(r.fixed64());
                case 5 -> {
                    Reader a = r.message();
                    List<Object> values = new ArrayList<>();
                    while (a.more()) {
                        int t = a.tag();
                        if (t >>> 3 == 1) values.add(anyValue(a.message()));
                        else a.skip(t);
                    }
                    value = List.copyOf(values);
                }
                default -> r.skip(tag);
            }
        }
        return value;
    }

    /** A protobuf wire-format reader over one message. */
    private static final class Reader {
        private final ByteBuffer buf;

        Reader(byte[] bytes) {
            this(ByteBuffer.wrap(bytes));
        }

        private Reader(ByteBuffer buf) {
            this.buf = buf.order(ByteOrder.LITTLE_ENDIAN);
        }

        boolean more() {
            return buf.hasRemaining();
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buf.get();
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) return v;
            }
            throw new IllegalArgumentException("malformed varint");
        }

        long fixed64() {
            return buf.getLong();
        }

        byte[] bytes() {
            int n = (int) varint();
            byte[] out = new byte[n];
            buf.get(out);
            return out;
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        Reader message() {
            int n = (int) varint();
            ByteBuffer slice = buf.slice(buf.position(), n);
            buf.position(buf.position() + n);
            return new Reader(slice);
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> buf.position(buf.position() + 8);
                case 2 -> {
                    int n = (int) varint(); // before reading the position: the length's own bytes come first
                    buf.position(buf.position() + n);
                }
                case 5 -> buf.position(buf.position() + 4);
                default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7));
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
